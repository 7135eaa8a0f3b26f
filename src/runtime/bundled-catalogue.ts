/**
 * The dataset schemas and delivery profiles, bundled for a runtime without files (Workers).
 * A test holds this list to the folders, so a new file cannot be forgotten here.
 */
import daycareDst from '../../deliveries/daycare/dst.json';
import daycareFlis from '../../deliveries/daycare/flis.json';
import daycareRigsarkivet from '../../deliveries/daycare/rigsarkivet.json';
import daycareStuk from '../../deliveries/daycare/stuk.json';
import eldercareDst from '../../deliveries/eldercare/dst.json';
import eldercareRigsarkivet from '../../deliveries/eldercare/rigsarkivet.json';
import eldercareSds from '../../deliveries/eldercare/sds.json';
import obligations from '../../deliveries/obligations.json';
import recipients from '../../deliveries/recipients.json';
import daycare from '../../schemas/daycare.json';
import daycareWaitlist from '../../schemas/daycare-waitlist.json';
import eldercare from '../../schemas/eldercare.json';
import shelterOccupancy from '../../schemas/shelter-occupancy.json';
import type { SourceFile } from '../core/catalogue';

const file = (path: string, value: unknown): SourceFile => ({ path, text: JSON.stringify(value) });

export const BUNDLED_SCHEMAS: SourceFile[] = [
  file('schemas/daycare.json', daycare),
  file('schemas/daycare-waitlist.json', daycareWaitlist),
  file('schemas/eldercare.json', eldercare),
  file('schemas/shelter-occupancy.json', shelterOccupancy),
];

export const BUNDLED_DELIVERIES: SourceFile[] = [
  file('deliveries/recipients.json', recipients),
  file('deliveries/daycare/dst.json', daycareDst),
  file('deliveries/daycare/flis.json', daycareFlis),
  file('deliveries/daycare/rigsarkivet.json', daycareRigsarkivet),
  file('deliveries/daycare/stuk.json', daycareStuk),
  file('deliveries/eldercare/dst.json', eldercareDst),
  file('deliveries/eldercare/rigsarkivet.json', eldercareRigsarkivet),
  file('deliveries/eldercare/sds.json', eldercareSds),
  file('deliveries/obligations.json', obligations),
];

/**
 * The consolidation figure: one delivery to the gateway stands for the separate deliveries a
 * municipality would otherwise make to each recipient. Per municipality and in total:
 * `deliveries` accepted (each once, corrections too: a correction would otherwise be sent to
 * every recipient as well), `extracts` made from them (one per recipient profile, superseded
 * ones too), `avoided` = extracts − deliveries, the parallel deliveries no one had to make.
 */

export interface ConsolidationFact {
  municipality: string;
  status: 'accepted' | 'rejected';
  extracts: number | null;
}

export interface ConsolidationCount {
  deliveries: number;
  extracts: number;
  avoided: number;
}

export function consolidate(
  facts: Iterable<ConsolidationFact>,
  municipalities: readonly string[],
): { items: Array<{ municipality: string } & ConsolidationCount>; total: ConsolidationCount } {
  const counts = new Map(municipalities.map((m) => [m, { deliveries: 0, extracts: 0 }]));
  for (const f of facts) {
    const c = counts.get(f.municipality);
    if (!c || f.status !== 'accepted') continue;
    c.deliveries++;
    c.extracts += f.extracts ?? 0;
  }
  const items = [...counts].map(([municipality, c]) => ({
    municipality,
    ...c,
    avoided: c.extracts - c.deliveries,
  }));
  const deliveries = items.reduce((n, i) => n + i.deliveries, 0);
  const extracts = items.reduce((n, i) => n + i.extracts, 0);
  return { items, total: { deliveries, extracts, avoided: extracts - deliveries } };
}

/** @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import type { Principal } from '../../auth/principal';
import { mayReadRegister } from '../../auth/visibility';
import { processingRegister } from '../../core/processing-register';
import type { Locale } from '../i18n';
import { Page } from '../layout';
import type { DashboardServices } from '../services';

/**
 * The processing register, printable (one table, no scripts): per dataset × recipient, the
 * purpose, legal basis, personal data, fields, transport and profile version in force — the
 * same entries GET /v1/processing-register answers, from the same function.
 */
export function registerPage(services: DashboardServices, c: Context, p: Principal, l: Locale) {
  if (!mayReadRegister(p))
    return c.html(
      <Page l={l} title={l.t('register.title')} who={p}>
        <h1>{l.t('register.title')}</h1>
        <p>{l.t('register.notForYou')}</p>
      </Page>,
      403,
    );
  const entries = processingRegister(services.catalogue);
  return c.html(
    <Page l={l} title={l.t('register.title')} who={p}>
      <h1>{l.t('register.title')}</h1>
      <p>{l.t('register.intro')}</p>
      <table>
        <thead>
          <tr>
            <th>{l.t('col.dataset')}</th>
            <th>{l.t('register.recipient')}</th>
            <th>{l.t('register.purpose')}</th>
            <th>{l.t('register.legalBasis')}</th>
            <th>{l.t('register.personalData')}</th>
            <th>{l.t('register.fields')}</th>
            <th>{l.t('register.transport')}</th>
            <th>{l.t('register.profile')}</th>
            <th>{l.t('register.retention')}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr>
              <td>
                <a href={`/datasets/${e.dataset}`}>{e.dataset}</a>
              </td>
              <td>{e.recipientName}</td>
              <td>{e.purpose}</td>
              <td>{e.legalBasis}</td>
              <td>
                {l.t(`register.category.${e.personalData}`)}
                {e.personalFields.length ? ` (${e.personalFields.join(', ')})` : ''}
                {e.pseudonymKeyIds.length ? ` · ${l.t('register.keys')} ${e.pseudonymKeyIds.join(', ')}` : ''}
              </td>
              <td>{e.fields.join(', ')}</td>
              <td>
                {e.transport} · {e.format}
              </td>
              <td>
                {e.profile} v{e.version}
              </td>
              <td>
                {e.retention
                  ? [
                      e.retention.extractsDays !== null
                        ? `${l.t('register.extracts')} ${e.retention.extractsDays} d`
                        : '',
                      e.retention.supersededExtractsDays !== null
                        ? `${l.t('register.supersededExtracts')} ${e.retention.supersededExtractsDays} d`
                        : '',
                      e.retention.originalsDays !== null
                        ? `${l.t('register.originals')} ${e.retention.originalsDays} d`
                        : '',
                      e.retention.supersededOriginalsDays !== null
                        ? `${l.t('register.supersededOriginals')} ${e.retention.supersededOriginalsDays} d`
                        : '',
                    ]
                      .filter(Boolean)
                      .join(' · ')
                  : l.t('register.noRetention')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Page>,
  );
}

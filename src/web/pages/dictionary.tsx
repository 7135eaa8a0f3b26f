/** @jsxImportSource hono/jsx */
import type { Context } from 'hono';
import { type DataDictionary, dataDictionary } from '../../core/dictionary';
import type { Obligation } from '../../core/obligations';
import { nameAsShown } from '../../core/value-shape';
import type { Locale } from '../i18n';
import { Page } from '../layout';
import type { DashboardServices } from '../services';

/**
 * The data dictionary of one dataset, for people: public, like the published schemas, since
 * it describes fields and never holds a value. The same content as GET /v1/datasets/{id}/dictionary.
 */
export function dictionaryPage(services: DashboardServices, c: Context, id: string, l: Locale) {
  const compiled = services.catalogue.datasets.get(id);
  if (!compiled)
    return c.html(
      <Page l={l} title="Data dictionary">
        <p>There is no dataset {nameAsShown(id)}.</p>
      </Page>,
      404,
    );
  return c.html(<DictionaryView l={l} d={dataDictionary(services.catalogue, compiled)} />);
}

function DictionaryView(props: { l: Locale; d: DataDictionary }) {
  const { dataset, fields, rules, recipients } = props.d;
  return (
    <Page l={props.l} title={`Data dictionary: ${dataset.title}`}>
      <h1>{dataset.title}</h1>
      <p>
        Dataset <code>{dataset.id}</code>, version {dataset.version}. {dataset.description}
      </p>
      <p class="muted">
        Delivered {dataset.cadence}, {deadlineInWords(dataset.obligation)}. XML:{' '}
        <code>
          {`{${dataset.xml.namespace}}${dataset.xml.root}`}/{dataset.xml.record}
        </code>
        . Values are {dataset.whitespace === 'trim' ? 'trimmed of spaces at both ends' : 'taken as sent'}.
      </p>
      <p>
        Schemas and examples (no sign-in needed):{' '}
        {dataset.schemas.map((s) => (
          <>
            <a href={s}>{s.split('/').pop()}</a>{' '}
          </>
        ))}
      </p>
      <h2>Fields</h2>
      <table>
        <thead>
          <tr>
            <th>Field</th>
            <th>Type</th>
            <th>Required</th>
            <th>Accepts</th>
            <th>Description</th>
            <th>Sent to</th>
          </tr>
        </thead>
        <tbody>
          {fields.map((f) => (
            <tr id={`field-${f.id}`}>
              <td>
                <code>{f.id}</code>
                {f.personal ? <span class="badge rejected">personal</span> : ''}
              </td>
              <td>{f.type}</td>
              <td>{f.required ? 'yes' : 'no'}</td>
              <td>{f.rule}</td>
              <td>{f.description}</td>
              <td>
                {f.recipients.length === 0 ? (
                  <span class="muted">no recipient</span>
                ) : (
                  f.recipients.map((u) => (
                    <div>
                      {u.recipient}: <code>{u.column}</code>
                      {u.how.length ? <span class="muted"> ({u.how.join('; ')})</span> : ''}
                    </div>
                  ))
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rules.length ? (
        <>
          <h2>Rules</h2>
          <ul>
            {rules.map((r) => (
              <li>
                <code>{r.id}</code>: {r.rule}
              </li>
            ))}
          </ul>
        </>
      ) : (
        ''
      )}
      <h2>Recipients</h2>
      {recipients.map((r) => (
        <section id={`recipient-${r.recipient}`}>
          <h3>
            {r.name}{' '}
            <span class="muted">
              ({r.recipient}, profile {r.profile} version {r.version}, {r.format})
            </span>
          </h3>
          <p>
            <strong>Legal basis:</strong> {r.legalBasis}
            <br />
            <strong>Purpose:</strong> {r.purpose}
          </p>
          <table>
            <thead>
              <tr>
                <th>Column</th>
                <th>From</th>
                <th>Made how</th>
              </tr>
            </thead>
            <tbody>
              {r.columns.map((c) => (
                <tr>
                  <td>
                    <code>{c.name}</code>
                  </td>
                  <td>{c.source}</td>
                  <td>{c.how.join('; ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </Page>
  );
}

/** The obligation's deadline rule in words, for the page. */
function deadlineInWords(o: Obligation | null): string {
  if (!o) return 'no reporting obligation';
  const due =
    'workingDaysAfterPeriodEnd' in o.deadline
      ? `due ${o.deadline.workingDaysAfterPeriodEnd} Danish working days after the period ends`
      : o.cadence === 'monthly'
        ? `due on day ${o.deadline.dayOfFollowingMonth} of the following month`
        : `due ${o.deadline.dayOfFollowingMonth} days after the period ends`;
  return `${due}, from ${o.firstPeriod}`;
}

/** @jsxImportSource hono/jsx */
import type { Locale } from '../i18n';
import { Page } from '../layout';

/** The sign-in form; after a refused token, or too many from this address, it says so. */
export function SignIn(props: { l: Locale; failed?: boolean; waitSeconds?: number }) {
  const { l } = props;
  return (
    <Page l={l} title={l.t('signIn.title')}>
      <h1>{l.t('signIn.title')}</h1>
      <p>{l.t('signIn.intro')}</p>
      {props.failed ? <p class="rejected">{l.t('signIn.failed')}</p> : null}
      {props.waitSeconds ? (
        <p class="rejected">{l.t('signIn.wait', { seconds: l.number(props.waitSeconds) })}</p>
      ) : null}
      <form method="post" action="/session">
        <label>
          {l.t('signIn.token')}
          <input type="password" name="token" size={60} required autocomplete="off" />
        </label>
        <p>
          <button type="submit">{l.t('signIn.title')}</button>
        </p>
      </form>
    </Page>
  );
}

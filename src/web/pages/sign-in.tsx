/** @jsxImportSource hono/jsx */
import { Page } from '../layout';

/** The sign-in form; after a refused token, or too many from this address, it says so. */
export function SignIn(props: { failed?: boolean; waitSeconds?: number }) {
  return (
    <Page title="Sign in">
      <h1>Sign in</h1>
      <p>
        Paste the token the gateway's administrator issued to you. The gateway opens a session for this
        browser; the token itself is not kept in it.
      </p>
      {props.failed ? <p class="rejected">That token is unknown, revoked or expired.</p> : null}
      {props.waitSeconds ? (
        <p class="rejected">
          Too many failed sign-ins from this address; try again in {props.waitSeconds} s.
        </p>
      ) : null}
      <form method="post" action="/session">
        <label>
          Token
          <input type="password" name="token" size={60} required autocomplete="off" />
        </label>
        <p>
          <button type="submit">Sign in</button>
        </p>
      </form>
    </Page>
  );
}

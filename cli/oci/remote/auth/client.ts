import { headerRecord, isRewindable, type FetchLike, type HttpRequestInit, type HttpResponse } from "../fetch.js";
import { httpFetch } from "../http.js";
import { parseChallenge, type Challenge } from "./challenge.js";

/** A registry login: a username and password, or an identity (refresh) token from `docker login`. */
export interface Credential {
  username?: string;
  password?: string;
  identityToken?: string;
}

/** Finds the credential for a registry host; `undefined` means anonymous. */
export type CredentialFunc = (registry: string) => Promise<Credential | undefined>;

export interface AuthClientOptions {
  /** The transport underneath (normally the retrying fetch); `httpFetch` when absent. */
  fetch?: FetchLike;
  /** Where credentials come from; anonymous when absent. */
  credential?: CredentialFunc;
}

/** Scopes of one request, e.g. `repository:team/filter:pull,push` (distribution token spec). */
export interface AuthScope {
  scopes: string[];
}

interface HostState {
  scheme?: "basic" | "bearer";
  /** Bearer tokens by the scopes they were issued for. */
  tokens: Map<string, string>;
}

const maxRedirects = 5;

/**
 * `fetch` with registry auth as a decorator (oras-go `auth/client.go`): answers `WWW-Authenticate`
 * challenges with basic credentials or a bearer token fetched from the challenge's realm, caches the scheme
 * and tokens per host so later requests authenticate up front, and follows redirects itself so a
 * credential is never sent to another origin (blob storage behind a registry).
 */
export class AuthClient {
  private readonly send: FetchLike;
  private readonly credential: CredentialFunc;
  private readonly hosts = new Map<string, HostState>();

  constructor(options: AuthClientOptions = {}) {
    this.send = options.fetch ?? httpFetch;
    this.credential = options.credential ?? (async () => undefined);
  }

  async fetch(url: string, init: HttpRequestInit, auth: AuthScope): Promise<HttpResponse> {
    const host = new URL(url).host;
    const state = this.state(host);
    const key = scopeKey(auth.scopes);
    const sent = await this.authorization(host, state, key);
    let response = await this.sendFollowing(url, init, sent);
    if (response.status !== 401 || !isRewindable(init.body)) return response;
    const challenge = parseChallenge(response.headers.get("www-authenticate"));
    if (!challenge) return response;
    const authorization = await this.answer(host, state, challenge, auth.scopes);
    // Sending the same credential again would only be refused again (and count against lockouts).
    if (!authorization || authorization === sent) return response;
    await response.body?.cancel();
    response = await this.sendFollowing(url, init, authorization);
    return response;
  }

  /** Forgets cached tokens, e.g. after `logout`. */
  reset(): void {
    this.hosts.clear();
  }

  private state(host: string): HostState {
    let state = this.hosts.get(host);
    if (!state) this.hosts.set(host, (state = { tokens: new Map() }));
    return state;
  }

  private async authorization(host: string, state: HostState, key: string): Promise<string | undefined> {
    if (state.scheme === "bearer") {
      const token = state.tokens.get(key);
      return token ? `Bearer ${token}` : undefined;
    }
    if (state.scheme === "basic") return basicAuthorization(await this.credential(host));
    return undefined;
  }

  private async answer(host: string, state: HostState, challenge: Challenge, scopes: string[]): Promise<string | undefined> {
    const credential = await this.credential(host);
    if (challenge.scheme === "basic") {
      const header = basicAuthorization(credential);
      if (header) state.scheme = "basic";
      return header;
    }
    if (challenge.scheme !== "bearer" || !challenge.params.realm) return undefined;
    const allScopes = mergeScopes([...scopes, ...(challenge.params.scope ? challenge.params.scope.split(" ") : [])]);
    const token = await this.fetchToken(challenge, allScopes, credential);
    state.scheme = "bearer";
    state.tokens.set(scopeKey(scopes), token);
    return `Bearer ${token}`;
  }

  /** Token request of the distribution token spec: GET realm?service&scope with basic auth, or an OAuth2 refresh. */
  private async fetchToken(challenge: Challenge, scopes: string[], credential: Credential | undefined): Promise<string> {
    const realm = new URL(challenge.params.realm);
    let response: HttpResponse;
    if (credential?.identityToken) {
      const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: credential.identityToken, client_id: "as-proxy-wasm" });
      if (challenge.params.service) form.set("service", challenge.params.service);
      if (scopes.length) form.set("scope", scopes.join(" "));
      response = await this.send(realm.href, { method: "POST", body: form.toString(), headers: { "content-type": "application/x-www-form-urlencoded" } });
    } else {
      if (challenge.params.service) realm.searchParams.set("service", challenge.params.service);
      for (const scope of scopes) realm.searchParams.append("scope", scope);
      const header = basicAuthorization(credential);
      response = await this.send(realm.href, { method: "GET", headers: header ? { authorization: header } : {} });
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new TokenError(realm.origin + realm.pathname, response.status);
    }
    const body = (await response.json()) as { token?: string; access_token?: string };
    const token = body.token ?? body.access_token;
    if (!token) throw new TokenError(realm.origin + realm.pathname, response.status, "no token in the answer");
    return token;
  }

  private async sendFollowing(url: string, init: HttpRequestInit, authorization: string | undefined): Promise<HttpResponse> {
    const origin = new URL(url).origin;
    let current = url;
    for (let hop = 0; ; hop++) {
      const headers = headerRecord(init.headers);
      if (authorization && new URL(current).origin === origin) headers.authorization = authorization;
      const response = await this.send(current, { ...init, headers, redirect: "manual" });
      const location = response.headers.get("location");
      const redirected = [301, 302, 303, 307, 308].includes(response.status) && location;
      if (!redirected || hop >= maxRedirects) return response;
      await response.body?.cancel();
      current = new URL(location, current).href;
    }
  }
}

/** The token server refused: usually wrong credentials or no access to the repository. */
export class TokenError extends Error {
  constructor(
    readonly realm: string,
    readonly status: number,
    detail?: string,
  ) {
    super(
      `token request to "${realm}" failed: response status code ${status}${status === 401 ? ": unauthorized" : status === 403 ? ": denied" : ""}${detail ? `: ${detail}` : ""}`,
    );
    this.name = "TokenError";
  }
}

function basicAuthorization(credential: Credential | undefined): string | undefined {
  if (!credential?.username || credential.password === undefined) return undefined;
  return `Basic ${Buffer.from(`${credential.username}:${credential.password}`).toString("base64")}`;
}

/**
 * Unions the actions asked for each resource (`repository:a:pull` + `repository:a:push,pull` →
 * `repository:a:pull,push`), as oras-go's `CleanScopes` does: one token covers what the request needs.
 */
export function mergeScopes(scopes: string[]): string[] {
  const actions = new Map<string, Set<string>>();
  for (const scope of scopes) {
    const colon = scope.lastIndexOf(":");
    if (colon <= 0) continue;
    const resource = scope.slice(0, colon);
    const set = actions.get(resource) ?? new Set<string>();
    for (const action of scope.slice(colon + 1).split(",")) if (action) set.add(action);
    actions.set(resource, set);
  }
  return [...actions].sort(([a], [b]) => a.localeCompare(b)).map(([resource, set]) => `${resource}:${[...set].sort().join(",")}`);
}

function scopeKey(scopes: string[]): string {
  return [...scopes].sort().join(" ");
}

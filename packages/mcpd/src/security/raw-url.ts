import { decodeLeniently } from '@mcpctl/protocol';

/**
 * A URL's parts as written: nothing decoded and nothing normalized, so a URL joined again
 * differs from the text it came from only where a part was replaced. Parsing the URL and
 * printing it back would re-encode its query and lower-case its host, which breaks a signed URL.
 */
export interface RawUrl {
  /** `https://` */
  scheme: string;
  /** The user info before its `:`, when the URL has user info. */
  user: string | undefined;
  /** The user info after its `:`, when it has one. */
  password: string | undefined;
  /** Host, port and path. */
  location: string;
  /** The query's `name=value` pairs as written, when the URL has a query. */
  pairs: string[] | undefined;
  /** `#…`, or nothing. */
  fragment: string;
}

/** User info runs to the last `@` before the path, as URL parsers read it. */
const RAW_URL = /^([a-z][a-z0-9+.-]*:\/\/)(?:([^/?#]*)@)?([^?#]*)(?:\?([^#]*))?(#[\s\S]*)?$/i;

export function splitRawUrl(url: string): RawUrl | undefined {
  const match = RAW_URL.exec(url);
  if (!match) return undefined;
  const [, scheme = '', userInfo, location = '', query, fragment = ''] = match;
  const colon = userInfo === undefined ? -1 : userInfo.indexOf(':');
  return {
    scheme,
    user: userInfo === undefined || colon < 0 ? userInfo : userInfo.slice(0, colon),
    password: userInfo === undefined || colon < 0 ? undefined : userInfo.slice(colon + 1),
    location,
    pairs: query === undefined ? undefined : query.split('&'),
    fragment,
  };
}

export function joinRawUrl(url: RawUrl): string {
  const userInfo = url.user === undefined ? '' : `${url.user}${url.password === undefined ? '' : `:${url.password}`}@`;
  return `${url.scheme}${userInfo}${url.location}${url.pairs === undefined ? '' : `?${url.pairs.join('&')}`}${url.fragment}`;
}

/** A query pair's name, decoded. */
export function pairName(pair: string): string {
  const equals = pair.indexOf('=');
  return decodeLeniently((equals < 0 ? pair : pair.slice(0, equals)).replaceAll('+', ' '));
}

/** A query pair's value as written; undefined for a pair without `=`. */
export function pairValue(pair: string): string | undefined {
  const equals = pair.indexOf('=');
  return equals < 0 ? undefined : pair.slice(equals + 1);
}

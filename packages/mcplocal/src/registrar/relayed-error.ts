import { TASK_ERROR_MAX_CHARS } from '@mcpctl/protocol';
import { cutBeforeMasking } from '@mcpctl/upstream';
import { maskSecrets } from '../provider-secrets.js';

/** How much of a failure's text is masked and passed on: a task's error, with room. */
const MASKED_TEXT_MAX_CHARS = TASK_ERROR_MAX_CHARS + 1_000;

/** What stands where a workstation address was. */
export const LOCAL_ADDRESS = '(local address)';

/*
 * The patterns below bound what each start may read (a scheme is at most 32 characters, a host
 * name's label 63, a name 127 labels): text that looks like the start of one again and again
 * (`a.a.a.…`, `sk-sk-…`, which a server's error may quote from a caller's prompt) would else cost
 * each start the rest of the text, seconds for a long error.
 */

/** Any URL, with or without credentials, up to the first character that cannot belong to it. */
const URL_PATTERN = /[a-z][a-z0-9+.-]{0,31}:\/\/[^\s"'<>()[\]{},;]+/gi;
/** `[::1]:8000`, `::1:8000`, `fe80::1` as Node's socket errors print them. */
const IPV6_PATTERN = /\[[0-9a-f:.]+\](?::\d{1,5})?|(?<![\w:])[0-9a-f]{0,4}(?::[0-9a-f]{0,4})*::[0-9a-f:.]*(?::\d{1,5})?/gi;
const IPV4_PATTERN = /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b/g;
/** `gpu-box.lan:8000`, `localhost:11434`. */
const HOST_PORT_PATTERN = /\b[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9-]{1,63}){0,126}:\d{1,5}\b/gi;
/** Name resolution failures name the host alone: `getaddrinfo ENOTFOUND gpu-box`. */
const RESOLUTION_PATTERN = /\b(ENOTFOUND|EAI_AGAIN|EAI_FAIL|EAI_NONAME)\s+[^\s()]+/g;

/**
 * The text of a task's failure as it may leave the workstation: every URL, IP address and
 * host:port is replaced, and so is any host the provider's own addresses name, so a remote
 * caller learns which provider failed and how, never where it runs. The full text stays in
 * mcplocal's own log. `localAddresses` are the provider's URL and its wake URL, when known.
 * `secrets` (the provider's API key) become `***`: an upstream refusing a key often quotes it.
 */
export function relayedErrorMessage(
  message: string,
  llmName: string,
  localAddresses: ReadonlyArray<string | undefined> = [],
  secrets: ReadonlyArray<string | undefined> = [],
  /** The provider's name in the config, where it differs from `llmName`: see {@link withPublishedName}. */
  localName?: string,
): string {
  const text = withPublishedName(withoutLocalAddresses(message, localAddresses, secrets), localName, llmName);
  const named = text.includes(llmName) ? text : `${llmName}: ${text}`;
  // mcpd takes an error result of at most this many characters: a longer one would leave the task unanswered.
  return named.length > TASK_ERROR_MAX_CHARS ? `${named.slice(0, TASK_ERROR_MAX_CHARS - 1)}…` : named;
}

/**
 * mcplocal's own words about a provider name it by its name in this workstation's config (`qwen`):
 * where they do, the published name (`qwen-alice`) stands instead, the only one mcpd's callers
 * know. Only mcplocal's own phrasings are rewritten (the message's opening `qwen:` or `qwen's`,
 * `provider "qwen"`, `give qwen another port`): a server's words (`model "qwen" not found`, a
 * file `qwen.gguf`) say what they say. Runs after the masking, so a secret holding the name is
 * masked whole first.
 */
export function withPublishedName(message: string, localName: string | undefined, publishedName: string): string {
  if (!localName || localName === publishedName) return message;
  const name = escapeRegExp(localName);
  return message
    .replace(new RegExp(`^${name}(?=: |'s )`), publishedName)
    .replace(new RegExp(`(?<=provider ")${name}(?=")`, 'g'), publishedName)
    .replace(new RegExp(`(?<=give )${name}(?= another )`, 'g'), publishedName);
}

/** {@link relayedErrorMessage} without the LLM's name: for words mcpd puts after its own, which name it. */
export function withoutLocalAddresses(message: string, localAddresses: ReadonlyArray<string | undefined> = [], secrets: ReadonlyArray<string | undefined> = []): string {
  // No further than any reader keeps, with room for what masking takes out; a secret or local host the cut splits goes whole.
  const bounded = cutBeforeMasking(message, MASKED_TEXT_MAX_CHARS, [...secrets, ...hostsOf(localAddresses)]);
  let text = maskSecrets(bounded, secrets)
    // Punctuation that ends a sentence is not part of the URL before it.
    .replace(URL_PATTERN, (url) => `${LOCAL_ADDRESS}${/[.:!?]+$/.exec(url)?.[0] ?? ''}`)
    .replace(RESOLUTION_PATTERN, `$1 ${LOCAL_ADDRESS}`)
    .replace(IPV6_PATTERN, (match) => (match.includes('::') || match.startsWith('[') ? LOCAL_ADDRESS : match))
    .replace(IPV4_PATTERN, LOCAL_ADDRESS)
    .replace(HOST_PORT_PATTERN, LOCAL_ADDRESS);
  for (const host of hostsOf(localAddresses)) text = text.replace(new RegExp(`\\b${escapeRegExp(host)}\\b`, 'gi'), LOCAL_ADDRESS);
  const masked = nameAddressOnce(text);
  // Cut before masking: said to be cut, however short masking made it.
  return bounded.length < message.length ? `${masked}…` : masked;
}

/** A socket error's code followed by the masked address it quoted. */
const CODE_AT_ADDRESS = new RegExp(`\\b(E[A-Z_]+|UND_ERR_[A-Z_]+) ${escapeRegExp(LOCAL_ADDRESS)}`, 'g');

/**
 * `cannot reach … at (local address): connect ECONNREFUSED (local address)` says the hidden
 * address twice: once the text named it, a socket error's copy of it is dropped.
 */
function nameAddressOnce(text: string): string {
  const first = text.indexOf(LOCAL_ADDRESS);
  if (first < 0) return text;
  const named = first + LOCAL_ADDRESS.length;
  return text.slice(0, named) + text.slice(named).replace(CODE_AT_ADDRESS, '$1');
}

function hostsOf(addresses: ReadonlyArray<string | undefined>): string[] {
  const hosts = new Set<string>();
  for (const address of addresses) {
    if (address === undefined) continue;
    try {
      const { hostname } = new URL(address);
      if (hostname.length > 0) hosts.add(hostname.replace(/^\[|\]$/g, ''));
    } catch {
      // Not a URL (a wake command, say): nothing to look for.
    }
  }
  return [...hosts];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

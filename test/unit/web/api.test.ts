import { describe, expect, it } from 'vitest';
import {
  ApiClient,
  ApiError,
  TOKEN_KEY,
  queryString,
  storageTokenStore,
  type TokenStore,
} from '../../../web/src/api.js';
import { rec } from './records.js';

interface Call {
  url: string;
  auth: string | undefined;
}

function memoryTokens(initial: string | null = null): TokenStore & { value: string | null } {
  const t = {
    value: initial,
    get: () => t.value,
    set: (v: string | null) => void (t.value = v),
  };
  return t;
}

function client(
  responses: ((c: Call) => Response)[],
  opts: { token?: string | null; answers?: (string | null)[] } = {},
) {
  const calls: Call[] = [];
  const prompts: string[] = [];
  const tokens = memoryTokens(opts.token ?? null);
  const answers = [...(opts.answers ?? [])];
  const api = new ApiClient({
    fetch: async (input, init) => {
      const headers = (init?.headers ?? {}) as Record<string, string>;
      const call = { url: String(input), auth: headers.authorization };
      calls.push(call);
      const next = responses.shift();
      if (!next) throw new Error('no more responses');
      return next(call);
    },
    tokens,
    askToken: async (reason) => {
      prompts.push(reason);
      return answers.shift() ?? null;
    },
  });
  return { api, calls, prompts, tokens };
}

const json = (status: number, body: unknown) => () =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const unauthorized = json(401, {
  error: { code: 'LH_UNAUTHORIZED', message: 'missing or wrong API token' },
});

describe('ApiClient', () => {
  it('sends the query parameters, leaving empty ones out, and parses the page', async () => {
    const { api, calls } = client([json(200, { records: [rec(2)], next_cursor: 'c1' })]);
    const page = await api.logs({
      q: 'level:error',
      from: '15m',
      to: '',
      limit: 100,
      cursor: null,
    });
    expect(calls[0]!.url).toBe('/api/logs?q=level%3Aerror&from=15m&limit=100');
    expect(page).toEqual({ records: [rec(2)], nextCursor: 'c1' });
  });

  it('a query error carries its code, message and column', async () => {
    const { api } = client([
      json(400, { error: { code: 'LH_QUERY_SYNTAX', message: 'unexpected )', column: 7 } }),
    ]);
    const err = await api
      .logs({ q: 'a b ) c', from: '', to: '', limit: 1 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 400,
      code: 'LH_QUERY_SYNTAX',
      message: 'unexpected )',
      column: 7,
    });
  });

  it('a non-JSON error (a proxy page) becomes a plain HTTP error', async () => {
    const { api } = client([() => new Response('<html>bad gateway</html>', { status: 502 })]);
    await expect(api.containers()).rejects.toMatchObject({ status: 502, code: 'HTTP_502' });
  });

  it('an answer of the wrong shape is an error, not a crash later', async () => {
    const { api } = client([json(200, { nope: true })]);
    await expect(api.containers()).rejects.toMatchObject({ code: 'LH_BAD_RESPONSE' });
  });

  it('a network failure is LH_NETWORK', async () => {
    const { api } = client([
      () => {
        throw new TypeError('Failed to fetch');
      },
    ]);
    await expect(api.sources()).rejects.toMatchObject({ status: 0, code: 'LH_NETWORK' });
  });

  it('on 401 asks for a token once, keeps it, and retries with it', async () => {
    const { api, calls, prompts, tokens } = client([unauthorized, json(200, { containers: [] })], {
      answers: ['s3cret'],
    });
    expect(await api.containers()).toEqual([]);
    expect(prompts).toEqual(['This server needs an API token.']);
    expect(tokens.value).toBe('s3cret');
    expect(calls.map((c) => c.auth)).toEqual([undefined, 'Bearer s3cret']);
  });

  it('a wrong stored token is asked again with a reason saying so', async () => {
    const { api, prompts } = client([unauthorized, json(200, { listeners: [] })], {
      token: 'old',
      answers: ['new'],
    });
    await api.sources();
    expect(prompts).toEqual(['The token was not accepted.']);
  });

  it('a background request (ask: false) never prompts: the 401 is reported (issue 16)', async () => {
    const { api, prompts } = client([unauthorized], { answers: ['t'] });
    await expect(api.sources(undefined, { ask: false })).rejects.toMatchObject({
      status: 401,
      code: 'LH_UNAUTHORIZED',
    });
    expect(prompts).toEqual([]);
  });

  it('when the user declines, the 401 is reported', async () => {
    const { api } = client([unauthorized], { answers: [null] });
    await expect(api.containers()).rejects.toMatchObject({ status: 401, code: 'LH_UNAUTHORIZED' });
  });

  it('stops asking after three wrong tokens', async () => {
    const { api, prompts } = client([unauthorized, unauthorized, unauthorized, unauthorized], {
      answers: ['a', 'b', 'c', 'd'],
    });
    await expect(api.containers()).rejects.toMatchObject({ status: 401 });
    expect(prompts).toHaveLength(3);
  });

  it('requests waiting on the same 401 share one prompt', async () => {
    const { api, prompts } = client(
      [unauthorized, unauthorized, json(200, { containers: [] }), json(200, { listeners: [] })],
      { answers: ['t'] },
    );
    await Promise.all([api.containers(), api.sources()]);
    expect(prompts).toHaveLength(1);
  });

  it('the tail URL matches the page scheme and carries the token', () => {
    const { api, tokens } = client([]);
    expect(api.tailUrl({ protocol: 'http:', host: 'h:8080' }, 'a b', null)).toBe(
      'ws://h:8080/api/tail?q=a+b',
    );
    tokens.set('t&x');
    expect(api.tailUrl({ protocol: 'https:', host: 'h' }, '', '42')).toBe(
      'wss://h/api/tail?after=42&token=t%26x',
    );
  });

  it('context asks for the lines either side of an id', async () => {
    const { api, calls } = client([json(200, { records: [rec(1), rec(2)] })]);
    expect(await api.context('2', 50, 50)).toEqual([rec(1), rec(2)]);
    expect(calls[0]!.url).toBe('/api/logs/2/context?before=50&after=50');
  });
});

describe('token storage', () => {
  it('keeps the token under one key and forgets it on null', () => {
    const m = new Map<string, string>();
    const s = storageTokenStore({
      getItem: (k) => m.get(k) ?? null,
      setItem: (k, v) => void m.set(k, v),
      removeItem: (k) => void m.delete(k),
    });
    s.set('abc');
    expect(m.get(TOKEN_KEY)).toBe('abc');
    expect(s.get()).toBe('abc');
    s.set(null);
    expect(s.get()).toBeNull();
  });

  it('a storage that throws keeps nothing and does not break the page', () => {
    const boom = () => {
      throw new Error('denied');
    };
    const s = storageTokenStore({ getItem: boom, setItem: boom, removeItem: boom });
    expect(() => s.set('x')).not.toThrow();
    expect(s.get()).toBeNull();
  });
});

it('queryString leaves out empty values', () => {
  expect(queryString({ a: '', b: null, c: undefined, d: 0, e: 'x y' })).toBe('?d=0&e=x+y');
  expect(queryString({})).toBe('');
});

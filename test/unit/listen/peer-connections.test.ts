/**
 * Per-peer connection counting against a model: random opens and closes over a few
 * peers; an open is refused exactly when that peer already holds `limit`, counts never
 * drift, and a peer whose connections all closed is forgotten (memory bounded by the
 * open connections).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { PeerConnections, peerKey } from '../../../collector/listen/peer-connections.js';

const PEERS = ['10.0.0.1', '10.0.0.2', '2001:db8::1'];

describe('PeerConnections', () => {
  it('refuses exactly past the limit, per peer, and forgets closed peers', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.record({ open: fc.boolean(), peer: fc.constantFrom(...PEERS) }), {
          maxLength: 80,
        }),
        (limit, ops) => {
          const p = new PeerConnections(limit);
          const model = new Map<string, number>();
          for (const op of ops) {
            const n = model.get(op.peer) ?? 0;
            if (op.open) {
              expect(p.tryAdd(op.peer)).toBe(n < limit);
              if (n < limit) model.set(op.peer, n + 1);
            } else if (n > 0) {
              // Only a counted connection is ever removed (the listener's close handler).
              p.remove(op.peer);
              if (n === 1) model.delete(op.peer);
              else model.set(op.peer, n - 1);
            }
            for (const peer of PEERS) expect(p.count(peer)).toBe(model.get(peer) ?? 0);
            expect(p.peers).toBe(model.size);
          }
        },
      ),
    );
  });

  it('one peer at its limit does not affect another', () => {
    const p = new PeerConnections(2);
    expect([p.tryAdd('a'), p.tryAdd('a'), p.tryAdd('a')]).toEqual([true, true, false]);
    expect(p.tryAdd('b')).toBe(true);
    p.remove('a');
    expect(p.tryAdd('a')).toBe(true);
  });

  it('rejects a limit that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN])
      expect(() => new PeerConnections(bad)).toThrow(RangeError);
  });
});

describe('peerKey', () => {
  it('exempts connections without a peer address (unix sockets)', () => {
    expect(peerKey(undefined)).toBeNull();
    expect(peerKey('')).toBeNull();
  });

  it('counts an IPv4 peer on a dual-stack listener as the IPv4 address', () => {
    expect(peerKey('::ffff:127.0.0.2')).toBe('127.0.0.2');
    expect(peerKey('::FFFF:10.1.2.3')).toBe('10.1.2.3');
    expect(peerKey('127.0.0.2')).toBe('127.0.0.2');
  });

  it('keeps IPv6 addresses whole and case-folded', () => {
    expect(peerKey('2001:DB8::1')).toBe('2001:db8::1');
    expect(peerKey('::ffff:abcd')).toBe('::ffff:abcd');
    expect(peerKey('::1')).toBe('::1');
  });
});

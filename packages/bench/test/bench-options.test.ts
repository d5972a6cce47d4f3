import { describe, expect, it } from 'vitest';
import { parseBenchArguments } from '../src/bench-options.js';
import { BenchUsageError } from '../src/errors.js';

describe('parseBenchArguments', () => {
  it('measures 5 s per run by default and 2 s with --quick, explicit flags winning', () => {
    expect(parseBenchArguments([])).toMatchObject({ durationSeconds: 5, warmupSeconds: 1, probeSamples: 2000, tokenCount: 16, json: false, reference: false });
    expect(parseBenchArguments(['--quick'])).toMatchObject({ durationSeconds: 2, probeSamples: 500 });
    expect(parseBenchArguments(['--quick', '--duration', '3', '--json'])).toMatchObject({ durationSeconds: 3, json: true });
  });

  it('measures every part by default, and with --only the named ones in a fixed order', () => {
    expect(parseBenchArguments([]).parts).toEqual(['public', 'relay', 'pool', 'wake', 'streams500', 'fleet']);
    expect(parseBenchArguments(['--only', 'streams500']).parts).toEqual(['streams500']);
    expect(parseBenchArguments(['--only', 'wake,relay']).parts).toEqual(['relay', 'wake']);
    expect(parseBenchArguments(['--only', 'pool']).parts).toEqual(['pool']);
    expect(() => parseBenchArguments(['--only', 'relay,gpu'])).toThrow(/--only expects a comma-separated list of public, relay, pool, wake, streams500, fleet, got "relay,gpu"/);
    expect(() => parseBenchArguments(['--only', ','])).toThrow(BenchUsageError);
  });

  it('connects a fleet of 10,000 sessions by default, or as many as --fleet-sessions says', () => {
    expect(parseBenchArguments([]).fleetSessions).toBe(10_000);
    expect(parseBenchArguments(['--only', 'fleet', '--fleet-sessions', '500']).fleetSessions).toBe(500);
    expect(() => parseBenchArguments(['--fleet-sessions', 'many'])).toThrow(BenchUsageError);
  });

  it('wakes 12 backends taking 0.25 to 3 s by default, 6 with --quick, and takes a list of delays', () => {
    expect(parseBenchArguments([])).toMatchObject({ wakeSamples: 12, wakeDelaysMs: [250, 500, 750, 1000, 1250, 1500, 1750, 2000, 2250, 2500, 2750, 3000] });
    expect(parseBenchArguments(['--quick'])).toMatchObject({ wakeSamples: 6 });
    expect(parseBenchArguments(['--wake-samples', '4', '--wake-delay-ms', '250, 1000'])).toMatchObject({ wakeSamples: 4, wakeDelaysMs: [250, 1000] });
    expect(() => parseBenchArguments(['--wake-delay-ms', '0.5'])).toThrow(/--wake-delay-ms/);
  });

  it('measures the relay on both transports by default, SSE + POST first, and opens 500 streams in streams500', () => {
    expect(parseBenchArguments([])).toMatchObject({ transports: ['sse', 'websocket'], streams: 500 });
    expect(parseBenchArguments(['--transport', 'websocket,sse', '--streams', '50'])).toMatchObject({ transports: ['sse', 'websocket'], streams: 50 });
    expect(parseBenchArguments(['--transport', 'websocket']).transports).toEqual(['websocket']);
    expect(() => parseBenchArguments(['--transport', 'grpc'])).toThrow(/--transport expects a comma-separated list of sse, websocket, got "grpc"/);
    expect(() => parseBenchArguments(['--streams', '0'])).toThrow(/--streams/);
  });

  it('names the flag that is wrong', () => {
    expect(() => parseBenchArguments(['--duration', '0'])).toThrow(/--duration/);
    expect(() => parseBenchArguments(['--samples', '1.5'])).toThrow(/--samples/);
    expect(() => parseBenchArguments(['--connections', '8'])).toThrow(BenchUsageError);
  });
});

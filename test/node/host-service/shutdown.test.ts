/**
 * Stop signals: the first SIGTERM or SIGINT resolves `stopped`, a second one
 * exits at once with the shell's code for it, and `cancel` removes the
 * listeners. The signals are delivered as the process would (`process.emit`).
 */
import { describe, expect, it } from 'vitest';
import { watchStopSignals } from '../../../src/node/host-service/shutdown.js';

describe('watchStopSignals', () => {
  it('resolves on the first signal and exits on the second', async () => {
    const before = process.listenerCount('SIGTERM');
    const exits: Array<[string, number]> = [];
    const signals = watchStopSignals((signal, code) => exits.push([signal, code]));
    try {
      process.emit('SIGTERM', 'SIGTERM');
      expect(await signals.stopped).toBe('SIGTERM');
      expect(exits).toEqual([]);
      process.emit('SIGINT', 'SIGINT');
      expect(exits).toEqual([['SIGINT', 130]]);
    } finally {
      signals.cancel();
    }
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});

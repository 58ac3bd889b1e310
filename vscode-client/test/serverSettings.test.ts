import * as assert from 'assert';
import { DEFAULT_SETTINGS, isOurSection, MAX_DEBOUNCE_MS, normalizeDevice, toServerSettings } from '../src/serverSettings';

describe('settings translation', () => {
  it('gives the defaults of design.md for an empty configuration', () => {
    assert.deepStrictEqual(toServerSettings({}), {
      models: {},
      device: 'auto',
      allowCodeExecution: false,
      debounceMs: 150,
      disabledRules: [],
    });
    assert.deepStrictEqual(toServerSettings({}), { ...DEFAULT_SETTINGS });
  });

  it('passes valid values through unchanged', () => {
    const raw = {
      models: { 'configs/bert*.yaml': 'models/bert', '**/*.py': 'pkg.mod:make_model' },
      device: 'cuda',
      allowCodeExecution: true,
      debounceMs: 300,
      disabledRules: ['PRN001', 'PRN104'],
    };
    assert.deepStrictEqual(toServerSettings(raw), raw);
  });

  it('keeps only the keys the server knows', () => {
    const s = toServerSettings({ device: 'cpu', interpreter: ['/p'], trace: { server: 'verbose' } } as never);
    assert.deepStrictEqual(Object.keys(s).sort(), ['allowCodeExecution', 'debounceMs', 'device', 'disabledRules', 'models']);
  });

  it('drops invalid model entries one by one', () => {
    const s = toServerSettings({ models: { 'a/*.yaml': 'm.safetensors', 'b/*.yaml': 3, '': 'x', 'c/*.yaml': ' ' } });
    assert.deepStrictEqual(s.models, { 'a/*.yaml': 'm.safetensors' });
    assert.deepStrictEqual(toServerSettings({ models: ['a', 'b'] }).models, {});
    assert.deepStrictEqual(toServerSettings({ models: 'm.pt' }).models, {});
  });

  it('accepts the three devices (and cuda:N), anything else is auto', () => {
    assert.strictEqual(normalizeDevice('CPU'), 'cpu');
    assert.strictEqual(normalizeDevice(' cuda '), 'cuda');
    assert.strictEqual(normalizeDevice('cuda:1'), 'cuda:1');
    for (const bad of ['gpu', 'tpu', 'cuda:x', '', 1, null, undefined]) {
      assert.strictEqual(normalizeDevice(bad), 'auto', String(bad));
    }
  });

  it('turns code execution on only for the boolean true', () => {
    for (const v of ['true', 1, 'yes', {}, null, undefined, false]) {
      assert.strictEqual(toServerSettings({ allowCodeExecution: v }).allowCodeExecution, false, String(v));
    }
    assert.strictEqual(toServerSettings({ allowCodeExecution: true }).allowCodeExecution, true);
  });

  it('rounds and clamps the debounce delay', () => {
    assert.strictEqual(toServerSettings({ debounceMs: 99.6 }).debounceMs, 100);
    assert.strictEqual(toServerSettings({ debounceMs: -5 }).debounceMs, 0);
    assert.strictEqual(toServerSettings({ debounceMs: 1e9 }).debounceMs, MAX_DEBOUNCE_MS);
    assert.strictEqual(toServerSettings({ debounceMs: Number.NaN }).debounceMs, 150);
    assert.strictEqual(toServerSettings({ debounceMs: '300' }).debounceMs, 150);
  });

  it('trims and de-duplicates disabled rules, dropping non-strings', () => {
    assert.deepStrictEqual(toServerSettings({ disabledRules: [' PRN001', 'PRN001', '', 7, 'PRN002'] }).disabledRules, [
      'PRN001',
      'PRN002',
    ]);
    assert.deepStrictEqual(toServerSettings({ disabledRules: 'PRN001' }).disabledRules, []);
  });

  it('answers workspace/configuration only for the pruneLsp section', () => {
    assert.ok(isOurSection('pruneLsp'));
    for (const s of ['pruneLsp.models', 'yaml', '', null, undefined]) {
      assert.ok(!isOurSection(s), String(s));
    }
  });
});

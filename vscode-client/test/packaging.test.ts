// Static checks of package.json, and of the .vsix: the esbuild bundle that carries everything the
// extension loads at activation (the real vscode-languageclient included), and next to nothing else.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const props: Record<string, { type: unknown; default: unknown; scope?: string; enum?: string[] }> =
  pkg.contributes.configuration.properties;

describe('package.json', () => {
  it('activates on YAML and Python files', () => {
    assert.deepStrictEqual(pkg.activationEvents, ['onLanguage:yaml', 'onLanguage:python']);
    assert.strictEqual(pkg.main, './dist/extension.js');
    assert.match(pkg.engines.vscode, /^\^1\.85/);
    // @types/vscode must not promise APIs newer than engines.vscode.
    assert.match(pkg.devDependencies['@types/vscode'], /^~?1\.85\./);
  });

  it('contributes every setting of design.md with its type and default', () => {
    const expected: Record<string, [unknown, unknown]> = {
      'pruneLsp.interpreter': [['array', 'string'], []],
      'pruneLsp.models': ['object', {}],
      'pruneLsp.device': ['string', 'auto'],
      'pruneLsp.allowCodeExecution': ['boolean', false],
      'pruneLsp.debounceMs': ['number', 150],
      'pruneLsp.disabledRules': ['array', []],
      'pruneLsp.trace.server': ['string', 'off'],
      'pruneLsp.yamlSchemaFallback': ['boolean', false],
    };
    assert.deepStrictEqual(Object.keys(props).sort(), Object.keys(expected).sort());
    for (const [key, [type, def]] of Object.entries(expected)) {
      assert.deepStrictEqual(props[key].type, type, key);
      assert.deepStrictEqual(props[key].default, def, key);
    }
    assert.deepStrictEqual(props['pruneLsp.device'].enum, ['auto', 'cpu', 'cuda']);
    assert.deepStrictEqual(props['pruneLsp.trace.server'].enum, ['off', 'messages', 'verbose']);
  });

  it('keeps allowCodeExecution out of reach of workspace settings', () => {
    assert.ok(['machine', 'application'].includes(props['pruneLsp.allowCodeExecution'].scope!));
    const untrusted = pkg.capabilities.untrustedWorkspaces;
    assert.strictEqual(untrusted.supported, 'limited');
    assert.ok(untrusted.restrictedConfigurations.includes('pruneLsp.interpreter'));
  });

  it('can be packaged without prompts (license, repository, publisher)', () => {
    assert.ok(fs.existsSync(path.join(root, 'LICENSE')));
    assert.ok(fs.existsSync(path.join(root, 'README.md')));
    assert.ok(pkg.repository?.url && pkg.publisher && pkg.license);
  });
});

describe('.vsix contents', function () {
  this.timeout(120000);

  it('are the bundle, package.json, README and LICENSE, and the bundle loads nothing but vscode and Node', () => {
    execFileSync('npm', ['run', '--silent', 'bundle'], { cwd: root, encoding: 'utf8' });
    const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
    const listed = execFileSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' })
      .split(/\r?\n/)
      .filter((l) => l.trim() !== '')
      .sort();
    assert.deepStrictEqual(listed, ['LICENSE', 'README.md', 'dist/extension.js', 'package.json']);
    const loaded: string[] = JSON.parse(
      execFileSync(process.execPath, [path.join(__dirname, 'listLoadedModules.js')], { cwd: root, encoding: 'utf8' }),
    );
    assert.deepStrictEqual(loaded, ['dist/extension.js']);
  });
});

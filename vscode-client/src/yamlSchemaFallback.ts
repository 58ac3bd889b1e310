// `pruneLsp.yamlSchemaFallback`: gives the Red Hat YAML extension the JSON Schemas that
// `prune-lsp schema` exports, for users who want its schema completion too. Off by default,
// because the server already reports everything the schema would, and twice is noise.
import * as vscode from 'vscode';
import { SchemaDialect } from './launch';
import { ServerManager } from './server';
import { SECTION } from './serverSettings';
import { detectSchemaDialect, dialectFromSchemaUri, loadSchema, SCHEMA_SCHEME, schemaUri } from './schemas';

export const YAML_EXTENSION_ID = 'redhat.vscode-yaml';

interface YamlExtensionApi {
  registerContributor(
    schema: string,
    requestSchema: (resource: string) => string | undefined,
    requestSchemaContent: (uri: string) => Promise<string> | string,
    label?: string,
  ): boolean;
}

export function fallbackEnabled(): boolean {
  return vscode.workspace.getConfiguration(SECTION).get<boolean>('yamlSchemaFallback') === true;
}

export class YamlSchemaFallback {
  private registered = false;

  constructor(
    private readonly storageDir: string,
    private readonly server: ServerManager,
    private readonly output: vscode.LogOutputChannel,
  ) {}

  /** Registers with the YAML extension the first time the setting is on; the contributor
   *  then answers nothing while the setting is off (the API has no unregister). */
  async update(): Promise<void> {
    if (!fallbackEnabled() || this.registered) {
      return;
    }
    const ext = vscode.extensions.getExtension<YamlExtensionApi>(YAML_EXTENSION_ID);
    if (!ext) {
      this.output.warn('pruneLsp.yamlSchemaFallback is on, but the Red Hat YAML extension is not installed.');
      return;
    }
    try {
      const api = ext.isActive ? ext.exports : await ext.activate();
      if (!api || typeof api.registerContributor !== 'function') {
        this.output.warn('The YAML extension offers no registerContributor API; no schema registered.');
        return;
      }
      this.registered = api.registerContributor(
        SCHEMA_SCHEME,
        (resource) => this.schemaFor(resource),
        (uri) => this.schemaContent(uri),
        'prune-lsp',
      );
      this.output.info(`Registered the prune-lsp JSON Schemas with the YAML extension: ${this.registered}`);
    } catch (e) {
      this.output.warn(`Could not register with the YAML extension: ${(e as Error).message}`);
    }
  }

  /** The schema URI for an open YAML document, by the dialect its text declares. */
  schemaFor(resource: string): string | undefined {
    if (!fallbackEnabled()) {
      return undefined;
    }
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === resource);
    const dialect = doc ? detectSchemaDialect(doc.getText()) : undefined;
    return dialect ? schemaUri(dialect) : undefined;
  }

  async schemaContent(uri: string): Promise<string> {
    const dialect: SchemaDialect | undefined = dialectFromSchemaUri(uri);
    const interpreter = this.server.interpreter;
    const check = this.server.importCheck;
    if (!dialect || !interpreter || !check?.ok) {
      return '{}'; // an empty schema validates nothing, which beats an error popup in the YAML extension
    }
    try {
      return await loadSchema(this.storageDir, interpreter, check.version, dialect);
    } catch (e) {
      this.output.warn((e as Error).message);
      return '{}';
    }
  }
}

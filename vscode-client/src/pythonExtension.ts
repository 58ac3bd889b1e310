// The interpreter chosen in the Python extension (ms-python.python), when it is installed.
// Its API is typed here by hand, only the few members we use, so no extra npm dependency is needed.
import * as vscode from 'vscode';

interface EnvironmentPath {
  id: string;
  path: string;
}

interface ResolvedEnvironment {
  executable?: { uri?: vscode.Uri };
}

interface PythonExtensionApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): EnvironmentPath;
    resolveEnvironment(env: EnvironmentPath | string): Promise<ResolvedEnvironment | undefined>;
    onDidChangeActiveEnvironmentPath?: vscode.Event<unknown>;
  };
  // The older API, still offered by current releases.
  settings?: {
    getExecutionDetails?(resource?: vscode.Uri): { execCommand?: string[] };
  };
}

export const PYTHON_EXTENSION_ID = 'ms-python.python';

async function pythonApi(): Promise<PythonExtensionApi | undefined> {
  const ext = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
  if (!ext) {
    return undefined;
  }
  return ext.isActive ? ext.exports : await ext.activate();
}

/** The executable of the active Python environment for this resource, or undefined. Never throws. */
export async function activePythonPath(resource: vscode.Uri | undefined, log: vscode.LogOutputChannel): Promise<string | undefined> {
  try {
    const api = await pythonApi();
    if (!api) {
      return undefined;
    }
    if (api.environments) {
      const envPath = api.environments.getActiveEnvironmentPath(resource);
      const resolved = await api.environments.resolveEnvironment(envPath);
      const exe = resolved?.executable?.uri?.fsPath;
      if (exe) {
        return exe;
      }
      // An unresolvable environment still has a path, which is often the executable itself.
      return envPath?.path || undefined;
    }
    return api.settings?.getExecutionDetails?.(resource)?.execCommand?.[0];
  } catch (e) {
    log.warn(`Could not ask the Python extension for its interpreter: ${(e as Error).message}`);
    return undefined;
  }
}

/** Subscribes to the Python extension's interpreter changes, when it is installed. */
export async function onActivePythonChanged(listener: () => void, log: vscode.LogOutputChannel): Promise<vscode.Disposable | undefined> {
  try {
    const api = await pythonApi();
    return api?.environments?.onDidChangeActiveEnvironmentPath?.(() => listener());
  } catch (e) {
    log.warn(`Could not follow the Python extension's interpreter: ${(e as Error).message}`);
    return undefined;
  }
}

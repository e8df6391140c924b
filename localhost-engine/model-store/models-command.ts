/**
 * `localscribe models list|download [ID]|remove ID|verify ID`: the model store from a terminal. Progress goes to
 * stderr (a bar on a TTY, a line per 5 % otherwise); results to stdout.
 */
import path from 'node:path';
import { resolveConfig } from '../config';
import { CatalogError, isModelId, loadCatalog } from './catalog';
import { DownloadError, formatBytes } from './download-error';
import { ModelStore, StoreError } from './model-store';
import { resolveModelSettings } from './settings';
import { TerminalProgress, type ProgressStream } from './terminal-progress';

export const MODELS_USAGE = `  localscribe models list [--json]
  localscribe models download [ID]     (default: the model for --device)
  localscribe models remove ID
  localscribe models verify ID
      [--models-dir DIR] [--hub-url URL] [--catalog FILE] [--device D] [--model DIR]`;

/** A mistake in how `models` was called: the CLI prints it with the usage. */
export class ModelsUsageError extends Error {}

export interface ModelsIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & ProgressStream;
}

export interface ModelsValues {
  'hub-url'?: string;
  'models-dir'?: string;
  catalog?: string;
  config?: string;
  device?: string;
  model?: string;
  json?: boolean;
}

const LAYOUT_NAMES = { genai: 'ONNX Runtime GenAI layout', transformers: 'transformers.js layout' } as const;

function idArgument(id: string | undefined, sub: string): string {
  if (!id) throw new ModelsUsageError(`Name the model to ${sub} (see "localscribe models list").`);
  if (!isModelId(id))
    throw new ModelsUsageError(`"${id}" is not a model id (see "localscribe models list").`);
  return id;
}

async function list(store: ModelStore, values: ModelsValues, io: ModelsIo): Promise<number> {
  const data = await store.list();
  if (values.json) {
    io.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(`Models folder: ${data.modelsDir}\nHub: ${data.hubUrl}\nDevice: ${data.device}\n\n`);
  const width = Math.max(...data.models.map((m) => m.id.length));
  for (const m of data.models) {
    io.stdout.write(
      `${m.default ? '*' : ' '} ${m.id.padEnd(width)}  ${m.state.padEnd(11)} ~${formatBytes(m.approxBytes).padEnd(8)} ${m.devices.join(',').padEnd(10)} ${m.name}\n`,
    );
    if (m.error) io.stdout.write(`    ${m.error}\n`);
  }
  io.stdout.write(`\n* the default for ${data.device}; download it with "localscribe models download".\n`);
  if (data.found.length > 0) {
    io.stdout.write('\nOther model folders found:\n');
    for (const f of data.found) {
      const what = f.valid ? `usable (${LAYOUT_NAMES[f.layout!]})` : `not usable: ${f.error}`;
      const tail = f.valid ? `; use it with --model "${f.dir}"` : '';
      io.stdout.write(
        `  ${f.dir}\n    ${f.source === 'predecessor' ? "the previous LocalScribe's model, " : ''}${what}${tail}\n`,
      );
    }
  }
  return 0;
}

/**
 * Downloads catalog model `id` with progress on stderr and its folder on stdout; Ctrl+C stops it (the bytes stay
 * for a resume). Resolves with the exit code: 0 when installed (or already), 130 when stopped, 1 on failure.
 */
export async function download(store: ModelStore, id: string, io: ModelsIo): Promise<number> {
  let active;
  try {
    active = await store.startDownload(id);
  } catch (err) {
    if (err instanceof StoreError && err.code === 'already_installed') {
      io.stdout.write(`${err.message}\n`);
      return 0;
    }
    throw err;
  }
  const progress = new TerminalProgress(io.stderr);
  let interrupted = false;
  const stop = (): void => {
    interrupted = true;
    store.cancel(id);
  };
  process.once('SIGINT', stop);
  try {
    active.subscribe((event) => progress.update(event));
    const final = await active.finished;
    if (final.type === 'done') {
      io.stdout.write(`${final.dir}\n`);
      return 0;
    }
    if (interrupted) io.stderr.write('Stopped. Run the same command again to resume where it stopped.\n');
    return interrupted ? 130 : 1;
  } finally {
    process.off('SIGINT', stop);
  }
}

/** Runs `localscribe models …`; resolves with the exit code. */
export async function modelsCommand(args: string[], values: ModelsValues, io: ModelsIo): Promise<number> {
  const [sub, id, ...extra] = args;
  if (extra.length > 0) throw new ModelsUsageError(`Unexpected argument "${extra[0]}".`);
  if (!sub) throw new ModelsUsageError('Say what to do with models: list, download, remove or verify.');
  if (!['list', 'download', 'remove', 'verify'].includes(sub)) {
    throw new ModelsUsageError(`Unknown models command "${sub}".`);
  }
  const settings = resolveModelSettings({
    hubUrl: values['hub-url'],
    modelsDir: values['models-dir'],
    catalog: values.catalog,
    config: values.config,
  });
  const config = resolveConfig({ device: values.device, config: values.config, model: values.model });
  const store = new ModelStore({
    catalog: loadCatalog(settings.catalogFile),
    modelsDir: settings.modelsDir,
    hubUrl: settings.hubUrl,
    device: config.device,
    extraDirs: values.model ? [path.resolve(values.model)] : [],
  });
  try {
    switch (sub) {
      case 'list':
        return await list(store, values, io);
      case 'download': {
        const chosen = id === undefined ? store.defaultEntry().id : idArgument(id, 'download');
        return await download(store, chosen, io);
      }
      case 'remove': {
        const result = await store.remove(idArgument(id, 'remove'));
        io.stdout.write(result.removed ? `Removed ${result.dir}\n` : `${id} was not installed.\n`);
        return 0;
      }
      default: {
        const result = await store.verify(idArgument(id, 'verify'), (file) =>
          io.stderr.write(`Checking ${file}…\n`),
        );
        if (result.ok) {
          io.stdout.write(
            `${result.id}: all ${result.files} files match (${result.source === 'hub' ? 'the hub' : 'the install record'}), and the folder loads.\n`,
          );
          return 0;
        }
        io.stdout.write(`${result.id} is damaged:\n${result.problems.map((p) => `  ${p}`).join('\n')}\n`);
        io.stdout.write(`Run "localscribe models remove ${result.id}" and download it again.\n`);
        return 1;
      }
    }
  } catch (err) {
    if (err instanceof StoreError || err instanceof DownloadError || err instanceof CatalogError) {
      io.stderr.write(`${err.message}\n`);
      return 1;
    }
    throw err;
  } finally {
    await store.close();
  }
}

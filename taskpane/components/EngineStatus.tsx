/**
 * The engine's state, always on show: connected or not (and how to start it), the model and whether it is
 * installed, and the device it runs on.
 */
import { Badge, Button, Card, Spinner, Text, makeStyles, tokens } from '@fluentui/react-components';
import type { EngineHealth } from '../hooks/useEngineHealth';
import { DEVICE_LABELS } from '../summary-labels';

const useStyles = makeStyles({
  card: { display: 'flex', flexDirection: 'column', rowGap: tokens.spacingVerticalS },
  row: { display: 'flex', alignItems: 'center', columnGap: tokens.spacingHorizontalS, flexWrap: 'wrap' },
  code: {
    fontFamily: tokens.fontFamilyMonospace,
    backgroundColor: tokens.colorNeutralBackground3,
    paddingLeft: tokens.spacingHorizontalXS,
    paddingRight: tokens.spacingHorizontalXS,
    borderRadius: tokens.borderRadiusSmall,
  },
  muted: { color: tokens.colorNeutralForeground3 },
});

/** Props of {@link EngineStatus}. */
export interface EngineStatusProps {
  engine: Omit<EngineHealth, 'refresh'> & { refresh?: () => void };
}

/** A compact card with the engine's connection, model and device, and guidance when something is missing. */
export function EngineStatus({ engine }: EngineStatusProps) {
  const styles = useStyles();
  const { connection, health } = engine;
  return (
    <Card className={styles.card} aria-label="Engine status" role="region" size="small">
      {connection === 'checking' && <Spinner size="tiny" label="Looking for the LocalScribe engine…" />}
      {connection === 'down' && (
        <div role="status">
          <div className={styles.row}>
            <Badge color="danger" appearance="filled" aria-hidden />
            <Text weight="semibold">The LocalScribe engine is not running.</Text>
          </div>
          <Text as="p" block>
            Start it with <code className={styles.code}>npm start</code> in the LocalScribe folder, or{' '}
            <code className={styles.code}>localscribe serve</code>. This pane reconnects by itself.
          </Text>
          {engine.refresh && (
            <Button size="small" onClick={engine.refresh}>
              Check again
            </Button>
          )}
        </div>
      )}
      {connection === 'connected' && health && (
        <>
          <div className={styles.row} role="status">
            <Badge color="success" appearance="filled" aria-hidden />
            <Text weight="semibold">Engine connected</Text>
            <Text className={styles.muted} size={200}>
              v{health.version}
            </Text>
          </div>
          <ModelLine engine={engine} codeClass={styles.code} rowClass={styles.row} />
        </>
      )}
    </Card>
  );
}

function ModelLine({
  engine,
  codeClass,
  rowClass,
}: EngineStatusProps & { codeClass: string; rowClass: string }) {
  const model = engine.health!.model;
  const device = model.device ? DEVICE_LABELS[model.device] : undefined;
  switch (model.state) {
    case 'missing':
      return (
        <div role="status">
          <Text weight="semibold" block>
            No model installed
          </Text>
          <Text as="p" block>
            LocalScribe needs {model.id || 'a model'} on this computer. Download it with{' '}
            <code className={codeClass}>localscribe models download</code>, then come back here.
          </Text>
          {/* The in-pane download arrives with the model-download feature; the CLI does it today. */}
          <Button size="small" disabled title="Use the command above for now">
            Download
          </Button>
        </div>
      );
    case 'downloading':
      return <Spinner size="tiny" label={`Downloading ${model.id}…`} />;
    case 'loading':
      return <Spinner size="tiny" label={`Loading ${model.id}${device ? ` on ${device}` : ''}…`} />;
    case 'error':
      return (
        <Text role="status" block>
          Model {model.id} failed to load{model.error ? `: ${model.error}` : '.'}
        </Text>
      );
    case 'ready':
      return (
        <div className={rowClass}>
          <Text>Model: {model.id}</Text>
          <Text>Device: {device ?? 'not chosen yet'}</Text>
        </div>
      );
  }
}

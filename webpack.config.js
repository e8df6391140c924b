/**
 * Builds the task pane: taskpane/index.tsx → dist/taskpane/ (taskpane.html + content-hashed bundles), which the
 * engine serves on its own origin.
 *
 * Environment:
 * - OFFICE_JS_URL: where the page loads Office.js from (default Microsoft's CDN). Empty: the page has no loader
 *   at all and whoever hosts it must define `window.Office` before the bundle runs. Either way the page's loader
 *   skips Office.js when `window.Office` is already defined (the browser test's Word simulation).
 */
const path = require('node:path');
const HtmlWebpackPlugin = require('html-webpack-plugin');

const DEFAULT_OFFICE_JS_URL = 'https://appsforoffice.microsoft.com/lib/1/hosted/office.js';

module.exports = (_env, argv = {}) => {
  const mode = argv.mode ?? 'production';
  const officeJsUrl = process.env.OFFICE_JS_URL ?? DEFAULT_OFFICE_JS_URL;
  return {
    mode,
    entry: { taskpane: path.resolve(__dirname, 'taskpane/index.tsx') },
    output: {
      path: path.resolve(__dirname, 'dist/taskpane'),
      filename: '[name].[contenthash].js',
      chunkFilename: '[name].[contenthash].js',
      // Relative URLs: the pane works wherever the engine mounts dist/taskpane.
      publicPath: '',
      clean: true,
      // Rewrite unchanged files too: npm pack (scripts/pack.ts) takes dist/ older than the source as stale.
      compareBeforeEmit: false,
    },
    resolve: { extensions: ['.tsx', '.ts', '.js'] },
    module: {
      rules: [
        {
          test: /\.tsx?$/,
          exclude: /node_modules/,
          use: {
            loader: 'ts-loader',
            // Type checking is tsc's job (npm run typecheck); the build only transpiles, to stay fast.
            options: {
              transpileOnly: true,
              compilerOptions: { module: 'esnext', sourceMap: mode !== 'production' },
            },
          },
        },
      ],
    },
    plugins: [
      new HtmlWebpackPlugin({
        filename: 'taskpane.html',
        template: path.resolve(__dirname, 'taskpane/taskpane.html'),
        chunks: ['taskpane'],
        scriptLoading: 'defer',
        officeJsUrl,
      }),
    ],
    devtool: mode === 'production' ? false : 'eval-source-map',
    optimization: {
      splitChunks: { chunks: 'all', cacheGroups: { vendor: { test: /node_modules/, name: 'vendor' } } },
    },
    performance: {
      hints: mode === 'production' ? 'warning' : false,
      maxEntrypointSize: 1024 * 1024,
      maxAssetSize: 1024 * 1024,
    },
  };
};

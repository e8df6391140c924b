/** Prints the path cases' results as JSON: the AVX2 test runs this under valgrind. */
import { runPathCases } from './path-cases';

runPathCases().then(
  (cases) => process.stdout.write(`${JSON.stringify(cases)}\n`),
  (err: Error) => {
    process.stderr.write(`${err.stack ?? err.message}\n`);
    process.exitCode = 1;
  },
);

import { buildProgram } from './program';
import { runCli } from './cli/run';

void runCli(buildProgram(), process.argv);

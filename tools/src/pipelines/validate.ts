import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAzdoConfig, type AzdoConfig } from '../azdo/config';
import { checkAzureRules } from './azure-rules';
import { checkDependencies } from './dependencies';
import { expandPipeline, expandValue, scopeFor, type LoadResult } from './expand';
import { referencedParameters } from './expressions';
import type { PipelineSchema, SchemaTarget } from './schema';
import { checkReferences, readDeclarations } from './template-parameters';
import { checkTriggerPaths } from './trigger-paths';
import { diagnostic, get, parsePipelineFile, toData, type Diagnostic, type Loc, type PNode, type ParsedFile } from './yaml-tree';

export interface ValidateOptions {
  /** The repository root: template paths starting with / and trigger paths are relative to it. */
  repositoryRoot: string;
  /** The pipeline file, relative to the root. */
  rootFile?: string;
  /** Folder (relative to the root) whose every .yml/.yaml file is checked, used or not. */
  templatesFolder?: string;
  schema?: PipelineSchema;
  /**
   * The Azure DevOps configuration (environments' approvals and locks) the rules read; default:
   * azure-devops.yml at the repository root, when it exists.
   */
  azdoConfigFile?: string;
}

export interface ValidationReport {
  files: string[];
  diagnostics: Diagnostic[];
  /** The pipeline as compiled from the root file (templates inlined), for inspection. */
  pipeline: PNode | null;
}

const toPosix = (p: string) => p.split(path.sep).join('/');

function yamlFilesUnder(root: string, folder: string): string[] {
  const absolute = path.join(root, folder);
  if (!existsSync(absolute)) return [];
  return (readdirSync(absolute, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((d) => d.isFile() && /\.ya?ml$/.test(d.name))
    .map((d) => toPosix(path.relative(root, path.join(d.parentPath, d.name))))
    .sort();
}

/**
 * Checks azure-pipelines.yml and every file under pipelines/: YAML syntax, template references,
 * parameters passed against declarations, names and dependsOn of the compiled pipeline, trigger
 * paths, and (given a schema) each file against the Azure Pipelines JSON schema.
 */
export function validatePipelines(options: ValidateOptions): ValidationReport {
  const root = options.repositoryRoot;
  const rootFile = options.rootFile ?? 'azure-pipelines.yml';
  const folder = options.templatesFolder ?? 'pipelines';
  const diagnostics: Diagnostic[] = [];
  const parsed = new Map<string, ParsedFile>();

  const parseFile = (file: string): ParsedFile => {
    let result = parsed.get(file);
    if (!result) {
      result = parsePipelineFile(file, readFileSync(path.join(root, file), 'utf8'));
      parsed.set(file, result);
      diagnostics.push(...result.diagnostics);
    }
    return result;
  };

  const load = (reference: string, fromFile: string): LoadResult => {
    const at = reference.lastIndexOf('@');
    const [filePart, repository] = at > 0 ? [reference.slice(0, at), reference.slice(at + 1)] : [reference, undefined];
    if (repository && repository !== 'self') return { kind: 'external', repository };
    // `/path` and `path@self` are relative to the repository root; anything else to the including file.
    const fromRoot = filePart.startsWith('/') || repository === 'self';
    const resolved = path.posix.normalize(fromRoot ? filePart.replace(/^\/+/, '') : path.posix.join(path.posix.dirname(fromFile), filePart));
    if (resolved.startsWith('../')) return { kind: 'missing', message: `template "${reference}" points outside the repository` };
    const absolute = path.join(root, resolved);
    if (!existsSync(absolute) || !statSync(absolute).isFile()) {
      return { kind: 'missing', message: `template "${reference}" not found (looked for ${resolved})` };
    }
    return { kind: 'file', file: resolved, parsed: parseFile(resolved) };
  };

  const templates = yamlFilesUnder(root, folder);
  if (!existsSync(path.join(root, rootFile))) {
    diagnostics.push(diagnostic('error', { file: rootFile, line: 1, col: 1 }, 'pipeline-missing', `${rootFile} does not exist`));
    return { files: templates, diagnostics, pipeline: null };
  }
  const rootParsed = parseFile(rootFile);
  for (const file of templates) parseFile(file);

  const used = new Set<string>();
  let compiled: PNode | null = null;
  if (rootParsed.root) {
    compiled = expandPipeline(rootParsed.root, { mode: 'concrete', load, diagnostics, onTemplate: (file) => used.add(file) });
    diagnostics.push(...checkDependencies(compiled));
    diagnostics.push(...checkTriggerPaths(rootParsed.root, root));
    const azdo = readAzdo(path.join(root, options.azdoConfigFile ?? 'azure-devops.yml'), root, diagnostics);
    const source = (file: string) => (existsSync(path.join(root, file)) ? readFileSync(path.join(root, file), 'utf8') : '');
    diagnostics.push(...checkAzureRules({ pipeline: compiled, files: parsed.values(), source, azdo }));
  }
  for (const file of templates) {
    if (!used.has(file) && parsed.get(file)?.root) {
      diagnostics.push(diagnostic('warning', { file, line: 1, col: 1 }, 'template-unused', `${file} is not used by ${rootFile}`));
    }
  }

  for (const [file, result] of [...parsed.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    if (!result.root) continue;
    const { declarations, diagnostics: declarationProblems } = readDeclarations(result.root);
    diagnostics.push(...declarationProblems);
    diagnostics.push(...checkReferences(result.root, declarations, referencedParameters));
    if (!options.schema) continue;
    const target = file === rootFile ? 'pipeline' : templateTarget(result.root);
    if (!target) {
      diagnostics.push(diagnostic('error', result.root.loc, 'template-kind', `${file} holds none of stages:, jobs:, steps:, variables: (not a pipeline template)`));
      continue;
    }
    const shaped = expandValue(result.root, scopeFor(declarations, 'placeholder'), { mode: 'placeholder', load, diagnostics: [] });
    const locations = new Map<string, Loc>();
    const data = toData(shaped, (pointer, loc) => locations.set(pointer, loc));
    const problem = options.schema.check(target, data);
    if (problem) diagnostics.push(diagnostic('error', nearest(locations, problem.pointer, result.root.loc), 'schema', problem.message));
  }

  return { files: [...parsed.keys()].sort(), diagnostics: dedupe(diagnostics), pipeline: compiled };
}

function readAzdo(file: string, root: string, diagnostics: Diagnostic[]): AzdoConfig | null {
  if (!existsSync(file)) return null;
  const relative = toPosix(path.relative(root, file));
  try {
    return parseAzdoConfig(readFileSync(file, 'utf8'), relative);
  } catch (error) {
    diagnostics.push(diagnostic('error', { file: relative, line: 1, col: 1 }, 'azdo-config', (error as Error).message));
    return null;
  }
}

function templateTarget(root: PNode): SchemaTarget | null {
  if (get(root, 'stages')) return 'stagesTemplate';
  if (get(root, 'jobs')) return 'jobsTemplate';
  if (get(root, 'steps')) return 'stepsTemplate';
  if (get(root, 'variables')) return 'variablesTemplate';
  if (get(root, 'extends')) return 'pipeline';
  return null;
}

function nearest(locations: Map<string, Loc>, pointer: string, fallback: Loc): Loc {
  let current = pointer;
  for (;;) {
    const loc = locations.get(current);
    if (loc) return loc;
    if (current === '') return fallback;
    current = current.slice(0, current.lastIndexOf('/'));
  }
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics
    .filter((d) => {
      const key = `${d.file}:${d.line}:${d.col}:${d.rule}:${d.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col);
}

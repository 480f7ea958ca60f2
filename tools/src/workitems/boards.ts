import { WorkItemExpand } from 'azure-devops-node-api/interfaces/WorkItemTrackingInterfaces';
import type { AzdoCredential } from '../azdo/credentials';
import { describeFailure } from '../azdo/failures';
import { type RetryPolicy, statusOf, withRetry } from '../azdo/http';
import { type AzdoTarget, failureContext, workItemsApi } from '../azdo/target';

export interface BoardItem {
  id: number;
  project: string;
  type: string;
  title: string;
  state: string;
  relations: Array<{ rel: string; url: string }>;
}

/** An RFC 6902 operation, as the work item PATCH (application/json-patch+json) takes it. */
export interface PatchOperation {
  op: 'add' | 'replace' | 'test';
  path: string;
  value: unknown;
}

/** The Boards calls workitems makes (Work Item Tracking REST API through azure-devops-node-api). */
export interface BoardsApi {
  /** null when the item does not exist or the token may not read it (Azure DevOps answers both with 404). */
  getItem(id: number): Promise<BoardItem | null>;
  /** The texts of the item's comments, every page. */
  commentTexts(item: BoardItem): Promise<string[]>;
  addComment(item: BoardItem, html: string): Promise<void>;
  /** One JSON Patch (application/json-patch+json) of relations and fields. */
  patch(item: BoardItem, operations: PatchOperation[]): Promise<void>;
}

/** A failure Boards answered for one item; the run goes on with the others and fails at the end. */
export class ItemFailure extends Error {}

const maxCommentPages = 50;

export function restBoardsApi(target: AzdoTarget, credential: AzdoCredential, policy?: RetryPolicy): BoardsApi {
  const wit = workItemsApi(target, credential);
  const fail = (error: unknown, doing: string, needs: string) => describeFailure(error, failureContext(target, credential, doing, needs));
  const read = (id: number) =>
    `'View work items in this node' on the area path of work item ${id} (a personal access token needs the scope Work Items (Read))`;
  const write = (item: BoardItem) =>
    `'Edit work items in this node' on the area path of work item ${item.id} in project ${item.project} (a personal access token needs the scope Work Items (Read & write))`;

  return {
    async getItem(id) {
      const doing = `reading work item ${id}`;
      try {
        const found = await withRetry(doing, () => wit.getWorkItem(id, undefined, undefined, WorkItemExpand.Relations), { idempotent: true, policy });
        if (!found?.id) return null;
        const fields = found.fields ?? {};
        return {
          id: found.id,
          project: String(fields['System.TeamProject'] ?? target.project),
          type: String(fields['System.WorkItemType'] ?? ''),
          title: String(fields['System.Title'] ?? ''),
          state: String(fields['System.State'] ?? ''),
          relations: (found.relations ?? []).map((relation) => ({ rel: relation.rel ?? '', url: relation.url ?? '' })),
        };
      } catch (error) {
        if (statusOf(error)?.status === 404) return null;
        throw fail(error, doing, read(id));
      }
    },
    async commentTexts(item) {
      const doing = `reading the comments of work item ${item.id}`;
      const texts: string[] = [];
      let continuationToken: string | undefined;
      try {
        for (let page = 0; page < maxCommentPages; page++) {
          const list = await withRetry(doing, () => wit.getComments(item.project, item.id, 200, continuationToken), { idempotent: true, policy });
          texts.push(...(list?.comments ?? []).map((comment) => comment.text ?? ''));
          continuationToken = list?.continuationToken;
          if (!continuationToken) break;
        }
      } catch (error) {
        throw new ItemFailure(fail(error, doing, read(item.id)).message);
      }
      return texts;
    },
    async addComment(item, html) {
      const doing = `commenting on work item ${item.id}`;
      try {
        const created = await withRetry(doing, () => wit.addComment({ text: html }, item.project, item.id), { idempotent: false, policy });
        if (!created) throw new Error('Azure DevOps answered without the created comment');
      } catch (error) {
        throw new ItemFailure(fail(error, doing, write(item)).message);
      }
    },
    async patch(item, operations) {
      const doing = `updating work item ${item.id}`;
      try {
        const updated = await withRetry(doing, () => wit.updateWorkItem({}, operations, item.id, item.project), { idempotent: false, policy });
        if (!updated) throw new Error('Azure DevOps answered without the updated work item');
      } catch (error) {
        throw new ItemFailure(fail(error, doing, write(item)).message);
      }
    },
  };
}

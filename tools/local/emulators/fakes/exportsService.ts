import { randomUUID } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { FakeControls, FakeRequest, FakeResponse } from './server';
import { FakeHttpError, check, createFakeServer, isObject, ok, extendFake } from './server';

export type FakeExportStatus = 'PENDING' | 'TRIGGERED' | 'FINISHED' | 'FAILED' | 'EXPIRED';
const STATUSES: readonly string[] = ['PENDING', 'TRIGGERED', 'FINISHED', 'FAILED', 'EXPIRED'];

/** Export types the fake accepts (the reminder types plus the common report types). */
export const EXPORT_TYPES: readonly string[] = [
  'autoReminderEmail',
  'reminderEmail',
  'reminderEmailSample',
  'entries',
  'codeAssignments',
  'scoring',
];

export interface FakeExport {
  id: string;
  exportType: string;
  campaignId: string;
  status: FakeExportStatus;
  date: { created: string; [field: string]: string };
  requesterUserId: string;
  dateKey?: string;
  includeAllMarkets?: boolean;
}

export interface ExportsServiceFake extends FakeControls {
  readonly exports: Map<string, FakeExport>;
  /** Moves an export to `status` (as the export pipeline would). */
  setExportStatus(exportId: string, status: FakeExportStatus): FakeExport;
}

/** The exports by id, and what decides `CampaignNotFound`. */
interface ExportsState {
  readonly exportsById: Map<string, FakeExport>;
  readonly knownCampaign?: (campaignId: string) => boolean;
}

/**
 * A stateful fake of Exports Service. `knownCampaign` decides `CampaignNotFound`; without it
 * every campaign id is accepted.
 */
export function createExportsServiceFake(
  options: { publicKey?: string | KeyObject; knownCampaign?: (campaignId: string) => boolean } = {},
): ExportsServiceFake {
  const state: ExportsState = { exportsById: new Map(), knownCampaign: options.knownCampaign };
  const { exportsById } = state;
  const server = createFakeServer({
    name: 'exports',
    auth: 'bearer',
    publicKey: options.publicKey,
    routes: [{ method: 'POST', pattern: '/campaigns/:campaignId/exports', handle: (req) => createExport(state, req) }],
    state: () => ({ exports: [...exportsById.values()] }),
    resetState: () => exportsById.clear(),
    actions: {
      status: (body) => {
        check(
          isObject(body) && typeof body.id === 'string' && typeof body.status === 'string',
          'invalidControl',
          'body is { id, status }',
        );
        return setExportStatus(state, body.id, body.status as FakeExportStatus);
      },
    },
  });
  return extendFake(server, {
    exports: exportsById,
    setExportStatus: (exportId: string, status: FakeExportStatus) => setExportStatus(state, exportId, status),
  });
}

interface CreateBody {
  exportType: string;
  dateKey?: string;
  includeAllMarkets?: boolean;
}

/** 400 unless the create body has a known `exportType`, and `dateKey`/`includeAllMarkets` of their types. */
function checkCreateBody(b: unknown): asserts b is Record<string, unknown> & CreateBody {
  check(isObject(b) && typeof b.exportType === 'string', 'InvalidExportType', 'exportType is required');
  check(EXPORT_TYPES.includes(b.exportType), 'InvalidExportType', `unknown exportType ${b.exportType}`);
  check(b.dateKey === undefined || typeof b.dateKey === 'string', 'InvalidDateKey', 'dateKey must be a string');
  check(
    b.includeAllMarkets === undefined || typeof b.includeAllMarkets === 'boolean',
    'InvalidIncludeAllMarkets',
    'includeAllMarkets must be a boolean',
  );
}

/**
 * `POST /campaigns/:campaignId/exports { exportType, dateKey?, includeAllMarkets? }`: 201 with a
 * new PENDING export, or 200 with the one of that type still PENDING or TRIGGERED.
 */
function createExport(state: ExportsState, req: FakeRequest): FakeResponse {
  const { exportsById, knownCampaign } = state;
  const { campaignId } = req.params;
  const b = req.body;
  checkCreateBody(b);
  check(!knownCampaign || knownCampaign(campaignId), 'CampaignNotFound', `campaign ${campaignId} not found`);
  const running = [...exportsById.values()].find(
    (e) =>
      e.campaignId === campaignId &&
      e.exportType === b.exportType &&
      (e.status === 'PENDING' || e.status === 'TRIGGERED'),
  );
  if (running) {
    return ok(req, running, 200);
  }
  const created: FakeExport = {
    id: randomUUID(),
    exportType: b.exportType,
    campaignId,
    status: 'PENDING',
    date: { created: new Date().toISOString() },
    requesterUserId: String(req.claims?.sub ?? 'unknown'),
    ...(b.dateKey ? { dateKey: b.dateKey } : {}),
    ...(b.includeAllMarkets === undefined ? {} : { includeAllMarkets: b.includeAllMarkets }),
  };
  exportsById.set(created.id, created);
  return ok(req, created, 201);
}

/** Moves an export to `status`, stamping `date.<status>`; 404 for an unknown export. */
function setExportStatus(state: ExportsState, exportId: string, status: FakeExportStatus): FakeExport {
  const found = state.exportsById.get(exportId);
  if (!found) {
    throw new FakeHttpError(404, 'ExportNotFound', `export ${exportId} not found`);
  }
  check(STATUSES.includes(status), 'InvalidStatus', `status must be one of ${STATUSES.join(', ')}`);
  found.status = status;
  found.date[status.toLowerCase()] = new Date().toISOString();
  return found;
}

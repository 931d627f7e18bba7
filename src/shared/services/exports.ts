import type { ServiceClient } from './http';
import { segment } from './http';

export type ExportStatus = 'PENDING' | 'TRIGGERED' | 'FINISHED' | 'FAILED' | 'EXPIRED';

export interface ExportRequest {
  exportType: string;
  dateKey?: string;
  includeAllMarkets?: boolean;
}

export interface ExportRecord {
  id: string;
  exportType: string;
  campaignId: string;
  status: ExportStatus;
  date: { created: string; [field: string]: string };
  requesterUserId?: string;
  [field: string]: unknown;
}

export interface ExportsService {
  /** Starts an export; `created` is false when one of the same type was already PENDING or TRIGGERED. */
  createExport(campaignId: string, request: ExportRequest): Promise<ExportRecord & { created: boolean }>;
}

/** Exports Service client. */
export function createExportsService(client: ServiceClient): ExportsService {
  return {
    async createExport(campaignId, request) {
      const res = await client.send<ExportRecord>('POST', `/campaigns/${segment(campaignId, 'campaignId')}/exports`, {
        body: request,
        expectedStatuses: [200, 201],
      });
      return { ...res.data, created: res.status === 201 };
    },
  };
}

/** Collaborators of the notification workers, built from configuration (see src/shared/wiring.ts). */
import type { Collection, Document } from 'mongodb';
import { getConfig } from '../../../shared/config';
import { mongoDb } from '../../../shared/wiring/mongo';
import type { MarketStore } from './store';
import { createMarketStore } from './store';

/** Markets and campaigns in the campaigns database. */
export async function marketStore(): Promise<MarketStore> {
  const { mongo } = getConfig();
  const db = await mongoDb(mongo.campaignsDb);
  return createMarketStore({ campaigns: db.collection(mongo.campaignsCollection), markets: db.collection(mongo.marketsCollection) });
}

/** Entry Service's scoring collection (read only). */
export async function scoringCollection(): Promise<Collection<Document>> {
  const { mongo } = getConfig();
  return (await mongoDb(mongo.entriesDb)).collection(mongo.scoringCollection);
}

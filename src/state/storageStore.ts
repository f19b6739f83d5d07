// What the UI shows about the origin's storage: persistence granted or not, usage and quota.
import { create } from 'zustand';
import { requestPersistence, storageEstimate, type StorageEstimateInfo } from '../persist/storageInfo';

interface StorageState {
  /** null until asked (or when the browser has no StorageManager). */
  persisted: boolean | null;
  estimate: StorageEstimateInfo | null;
}

export const useStorageStore = create<StorageState>(() => ({ persisted: null, estimate: null }));

export async function refreshStorageEstimate(): Promise<StorageEstimateInfo | null> {
  const estimate = await storageEstimate();
  useStorageStore.setState({ estimate });
  return estimate;
}

export async function askPersistence(): Promise<void> {
  useStorageStore.setState({ persisted: await requestPersistence() });
  await refreshStorageEstimate();
}

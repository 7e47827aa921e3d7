import { describeBackendConformance } from '../backend-conformance.ts';
import { MemoryBackend } from './memory-backend.ts';

describeBackendConformance('memory', {
  make: async () => ({ backend: new MemoryBackend(), cleanup: async () => {} }),
});

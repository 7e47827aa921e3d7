// Test support: the ceph.conf of the throwaway S3 cluster that rgw.ts starts — one monitor, one memstore OSD and
// the RADOS Gateway on 127.0.0.1, every path inside the cluster's own directory, no authentication between the
// daemons, and gateway settings for tests (no usage or ops log, prompt garbage collection of deleted objects).

import * as path from 'node:path';

export interface CephConfInput {
  dir: string;
  fsid: string;
  monPort: number;
  rgwPort: number;
  memstoreBytes: number;
}

/** The name the gateway runs under: its section of ceph.conf and its log file's name. */
export const RGW_NAME = 'client.rgw';

export function cephConf(input: CephConfInput): string {
  const { dir } = input;
  const lines = [
    '[global]',
    `fsid = ${input.fsid}`,
    // one monitor, messenger v2 only, every daemon on loopback
    `mon_host = v2:127.0.0.1:${input.monPort}`,
    'ms_bind_msgr1 = false',
    'public_addr = 127.0.0.1',
    'cluster_addr = 127.0.0.1',
    // a throwaway loopback cluster: no cephx, so no keyrings; the `none` method offers only crc mode, and
    // daemons ask for secure mode on their monitor connections unless told otherwise
    'auth_cluster_required = none',
    'auth_service_required = none',
    'auth_client_required = none',
    'ms_cluster_mode = crc',
    'ms_service_mode = crc',
    'ms_client_mode = crc',
    'ms_mon_cluster_mode = crc',
    'ms_mon_service_mode = crc',
    'ms_mon_client_mode = crc',
    // a warning about cephx tickets, which this cluster does not use
    'mon_warn_on_insecure_global_id_reclaim_allowed = false',
    // nothing under /var/lib/ceph, /var/run/ceph or /var/log/ceph: two clusters run side by side
    `run_dir = ${path.join(dir, 'run')}`,
    `crash_dir = ${path.join(dir, 'crash')}`,
    `log_file = ${path.join(dir, 'log', '$name.log')}`,
    `mon_cluster_log_file = ${path.join(dir, 'log', 'cluster.log')}`,
    `mon_data = ${path.join(dir, 'mon')}`,
    `osd_data = ${path.join(dir, 'osd')}`,
    `mgr_data = ${path.join(dir, 'mgr')}`,
    `rgw_data = ${path.join(dir, 'rgw')}`,
    `keyring = ${path.join(dir, 'keyring')}`,
    // the monitor refuses to start on a disk with less than 5% free; its store here is a few MB
    'mon_data_avail_crit = 0',
    'mon_data_avail_warn = 0',
    // a monitor alone proposes its changes every second by default; pool creation at the gateway's first start
    // waits for several of them
    'paxos_propose_interval = 0.05',
    'paxos_min_wait = 0.01',
    // a client whose request waits for a newer OSD map (the gateway's first read, issued while the OSD boots)
    // asks for it again only on its tick, 5 s by default
    'objecter_tick_interval = 0.5',
    // one OSD whose objects live in RAM, at most memstoreBytes of them; the OSD process holds about twice the
    // bytes stored (512 MiB written: 1.06 GiB RSS, freed when the gateway's garbage collection deletes them);
    // when the store is full the OSD drops writes and requests hang (`ceph health`: HEALTH_ERR, full osd)
    'osd_objectstore = memstore',
    `memstore_device_bytes = ${input.memstoreBytes}`,
    // pools of one replica and few placement groups (the gateway creates seven pools), no autoscaler (it lives
    // in the manager, which this cluster does without)
    'osd_pool_default_size = 1',
    'osd_pool_default_min_size = 1',
    'mon_allow_pool_size_one = true',
    'mon_warn_on_pool_no_redundancy = false',
    'osd_pool_default_pg_num = 8',
    'osd_pool_default_pgp_num = 8',
    'osd_pool_default_pg_autoscale_mode = off',
    '',
    `[${RGW_NAME}]`,
    `rgw_frontends = beast endpoint=127.0.0.1:${input.rgwPort}`,
    'rgw_enable_usage_log = false',
    'rgw_enable_ops_log = false',
    // deleted objects' data is freed within seconds, not hours, so a benchmark's RAM store does not fill up
    'rgw_gc_obj_min_wait = 1',
    'rgw_gc_processor_period = 5',
    // no index resharding in the background while a benchmark writes many objects
    'rgw_dynamic_resharding = false',
    // errors only in the log (the access log at level 1 would grow with every request)
    'debug_rgw = 0/5',
    '',
  ];
  return lines.join('\n');
}

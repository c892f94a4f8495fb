/*
 * A fake kernel for qpuc's driver tests. Built by the test run (gcc -shared)
 * and loaded through runtime/drivers/system.ts in place of the C library, so
 * the real drivers (runtime/drivers/v3d-drm.ts, vc4-mailbox.ts) run unchanged,
 * through koffi, against it.
 *
 * It exports the functions the drivers call — open, close, ioctl, mmap64,
 * munmap, getpagesize — and plays:
 *   - the Linux V3D DRM driver behind /dev/dri/renderD128: GET_PARAM,
 *     CREATE_BO, MMAP_BO + mmap, SUBMIT_CSD, WAIT_BO, GEM_CLOSE and the
 *     PERFMON ioctls, with the kernel's argument checks;
 *   - the VideoCore firmware mailbox behind /dev/vcio (property tags for
 *     QPU enable, GPU memory and execute_qpu) and physical memory behind
 *     /dev/mem;
 *   - the vc-sm-cma driver behind /dev/vcsm-cma (MEM_ALLOC hands out a
 *     dma-buf fd, mmap'able at offset 0, with DMA_BUF_IOCTL_SYNC on it);
 *   - the VideoCore IV V3D registers behind /dev/mem at the peripheral base
 *     + 0xC00000 (V3D_IDENT0, L2CACTL, SLCACTL, SRQPC/SRQUA/SRQUL/SRQCS):
 *     the page is plain shared memory, so the fake acts on the user-program
 *     request registers when the driver pauses between polls (usleep, also
 *     exported here): a non-zero SRQPC is one queued request (taken, SRQPC
 *     cleared, SRQCS requests + 1); a pause with requests queued and no new
 *     one runs them on the VC4 emulator and adds them to SRQCS completed.
 *     Register offsets and fields: shared/docs/hardware-interface.md 2.6 and
 *     vc4-isa-notes.md 8; V3D_IDENT0 0x02443356 from Linux
 *     drivers/gpu/drm/vc4/vc4_regs.h (V3D_EXPECTED_IDENT0).
 * Jobs run on qpuc's emulators through callbacks the test registers
 * (koffi.register): the fake hands the callback the job, the callback runs
 * the emulator over the buffers' memory (which the fake exposes by address).
 *
 * Struct layouts and request numbers are written here from the kernel's own
 * header, field by field, independently of runtime/drivers/v3d-uapi.ts:
 *   Linux include/uapi/drm/v3d_drm.h (torvalds/linux at cb9f145f638d),
 *   include/uapi/drm/drm.h (struct drm_gem_close, DRM_IOCTL_BASE 'd',
 *   DRM_COMMAND_BASE 0x40), and for the mailbox
 *   raspberrypi/linux drivers/char/broadcom/vcio.c
 *   (IOCTL_MBOX_PROPERTY = _IOWR(100, 0, char *)) with the property-tag
 *   buffer format of the firmware mailbox (hello_fft mailbox.c); for vc-sm-cma
 *   Raspberry Pi's include/uapi/linux/vc_sm_cma_ioctl.h (struct
 *   vc_sm_cma_ioctl_alloc, magic 'J', VC_SM_CMA_CMD_ALLOC 0x5A) and Linux's
 *   include/uapi/linux/dma-buf.h (struct dma_buf_sync, DMA_BUF_IOCTL_SYNC).
 * Failure modes are switched on by the test with qfk_fail().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/ioctl.h>

/* ---- include/uapi/drm/v3d_drm.h and drm.h ---- */
struct drm_gem_close { uint32_t handle; uint32_t pad; };
struct drm_v3d_wait_bo { uint32_t handle; uint32_t pad; uint64_t timeout_ns; };
struct drm_v3d_create_bo { uint32_t size; uint32_t flags; uint32_t handle; uint32_t offset; };
struct drm_v3d_mmap_bo { uint32_t handle; uint32_t flags; uint64_t offset; };
struct drm_v3d_get_param { uint32_t param; uint32_t pad; uint64_t value; };
struct drm_v3d_submit_csd {
  uint32_t cfg[7];
  uint32_t coef[4];
  uint64_t bo_handles;
  uint32_t bo_handle_count;
  uint32_t in_sync;
  uint32_t out_sync;
  uint32_t perfmon_id;
  uint64_t extensions;
  uint32_t flags;
  uint32_t pad;
};
struct drm_v3d_perfmon_create { uint32_t id; uint32_t ncounters; uint8_t counters[32]; };
struct drm_v3d_perfmon_destroy { uint32_t id; };
struct drm_v3d_perfmon_get_values { uint32_t id; uint32_t pad; uint64_t values_ptr; };

_Static_assert(sizeof(struct drm_v3d_submit_csd) == 88, "drm_v3d_submit_csd is 88 bytes");
_Static_assert(offsetof(struct drm_v3d_submit_csd, bo_handles) == 48, "bo_handles at 48");
_Static_assert(sizeof(struct drm_v3d_perfmon_create) == 40, "drm_v3d_perfmon_create is 40 bytes");

#define DRM_IOCTL_BASE 'd'
#define DRM_COMMAND_BASE 0x40
#define DRM_IOCTL_GEM_CLOSE _IOW(DRM_IOCTL_BASE, 0x09, struct drm_gem_close)
#define DRM_IOCTL_V3D_WAIT_BO _IOWR(DRM_IOCTL_BASE, DRM_COMMAND_BASE + 0x01, struct drm_v3d_wait_bo)
#define DRM_IOCTL_V3D_CREATE_BO _IOWR(DRM_IOCTL_BASE, DRM_COMMAND_BASE + 0x02, struct drm_v3d_create_bo)
#define DRM_IOCTL_V3D_MMAP_BO _IOWR(DRM_IOCTL_BASE, DRM_COMMAND_BASE + 0x03, struct drm_v3d_mmap_bo)
#define DRM_IOCTL_V3D_GET_PARAM _IOWR(DRM_IOCTL_BASE, DRM_COMMAND_BASE + 0x04, struct drm_v3d_get_param)
#define DRM_IOCTL_V3D_SUBMIT_CSD _IOW(DRM_IOCTL_BASE, DRM_COMMAND_BASE + 0x07, struct drm_v3d_submit_csd)
#define DRM_IOCTL_V3D_PERFMON_CREATE _IOWR(DRM_IOCTL_BASE, DRM_COMMAND_BASE + 0x08, struct drm_v3d_perfmon_create)
#define DRM_IOCTL_V3D_PERFMON_DESTROY _IOWR(DRM_IOCTL_BASE, DRM_COMMAND_BASE + 0x09, struct drm_v3d_perfmon_destroy)
#define DRM_IOCTL_V3D_PERFMON_GET_VALUES _IOWR(DRM_IOCTL_BASE, DRM_COMMAND_BASE + 0x0a, struct drm_v3d_perfmon_get_values)
#define DRM_V3D_SUBMIT_EXTENSION 0x02

/* enum drm_v3d_param */
enum {
  P_UIFCFG, P_HUB_IDENT1, P_HUB_IDENT2, P_HUB_IDENT3, P_CORE0_IDENT0, P_CORE0_IDENT1, P_CORE0_IDENT2,
  P_SUPPORTS_TFU, P_SUPPORTS_CSD, P_SUPPORTS_CACHE_FLUSH, P_SUPPORTS_PERFMON, P_SUPPORTS_MULTISYNC_EXT,
  P_SUPPORTS_CPU_QUEUE, P_MAX_PERF_COUNTERS, P_SUPPORTS_SUPER_PAGES, P_GLOBAL_RESET_COUNTER,
  P_CONTEXT_RESET_COUNTER,
};

/* ---- vcio.c ---- */
#define IOCTL_MBOX_PROPERTY _IOWR(100, 0, char *)

/* ---- vc_sm_cma_ioctl.h ---- */
struct vc_sm_cma_ioctl_alloc {
  uint32_t size;
  uint32_t num;
  uint32_t cached; /* enum vc_sm_cma_cache_e: NONE 0, HOST 1, VC 2, BOTH 3 */
  uint32_t pad;
  uint8_t name[32];
  int32_t handle; /* out: a dma-buf fd */
  uint32_t vc_handle; /* out */
  uint64_t dma_addr; /* out: the VideoCore bus address */
};
_Static_assert(sizeof(struct vc_sm_cma_ioctl_alloc) == 64, "vc_sm_cma_ioctl_alloc is 64 bytes");
_Static_assert(offsetof(struct vc_sm_cma_ioctl_alloc, handle) == 48, "handle at 48");
_Static_assert(offsetof(struct vc_sm_cma_ioctl_alloc, dma_addr) == 56, "dma_addr at 56");
#define VC_SM_CMA_IOCTL_MEM_ALLOC _IOR('J', 0x5A, struct vc_sm_cma_ioctl_alloc)

/* ---- dma-buf.h ---- */
struct dma_buf_sync { uint64_t flags; };
#define DMA_BUF_SYNC_READ (1 << 0)
#define DMA_BUF_SYNC_WRITE (2 << 0)
#define DMA_BUF_SYNC_RW (DMA_BUF_SYNC_READ | DMA_BUF_SYNC_WRITE)
#define DMA_BUF_SYNC_START (0 << 2)
#define DMA_BUF_SYNC_END (1 << 2)
#define DMA_BUF_IOCTL_SYNC _IOW('b', 0, struct dma_buf_sync)

/* ---- state ---- */
#define FD_V3D 900
#define FD_VCIO 901
#define FD_MEM 902
#define FD_VCSM 903
#define FD_DMABUF 1000 /* dma-buf fds from vcsm-cma: FD_DMABUF + allocation slot */
#define MAX_BOS 256
#define MMAP_OFFSET_BASE 0x100000000ull /* fake mmap offsets above 4 GiB, as 64-bit kernels hand out */

struct bo {
  int live;
  uint32_t size;
  uint32_t gpu;     /* GPU virtual address (CREATE_BO offset) */
  int memfd;        /* the pages, shared by the fake's own mapping and the user's */
  void *host;       /* the fake's mapping (the emulator reads and writes here) */
};

typedef int64_t (*run_csd_fn)(uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t, uint32_t);
typedef int32_t (*run_qpu_fn)(uint32_t num_qpus, uint32_t control, uint32_t noflush, uint32_t timeout_ms);

static struct bo bos[MAX_BOS];
static uint32_t next_gpu = 0x00100000;
static int v3d_open;
static uint32_t hub_ident1 = 0x24, hub_ident3 = 0x0000, core_ident1 = 0x420; /* V3D 4.2, 2 slices x 4 QPUs */
static int has_csd = 1, has_perfmon = 1, has_reset_counters = 1;
static uint64_t global_resets, context_resets;
static run_csd_fn run_csd;
static run_qpu_fn run_qpu;
static int job_failed_state; /* last job: 0 done, 1 killed by a reset */

/* counters the tests read */
static uint32_t n_wait_bo, n_submit, n_gem_close, n_mmap, n_munmap;
static uint64_t last_wait_timeout;
static uint32_t last_cfg[7];
#define CFG0_LOG 64
static uint32_t cfg0_log[CFG0_LOG]; /* cfg[0] (workgroup count X << 16 | offset X) of the first SUBMIT_CSDs since the reset */

/* perfmons: one at a time is enough for the runtime */
static uint32_t perfmon_id_live, perfmon_ncounters;
static uint8_t perfmon_counters[32];
static uint64_t perfmon_values[32];
static uint64_t last_job_cycles;

/* failure switches: errno to return from an operation, 0 = succeed */
static int fail_open_v3d, fail_open_vcio, fail_open_mem, fail_create_bo, fail_wait_bo, fail_submit, fail_mmap;
static int mbox_kms; /* firmware refuses enable_qpu/execute_qpu (vc4-kms-v3d owns V3D) */
static uint32_t wait_delay_ms; /* WAIT_BO takes this long (a slow job) */

/* VC4: one arena of "physical" memory (the firmware's gpu_mem heap) */
#define ARENA_PHYS 0x1e000000u
#define ARENA_SIZE (16u << 20)
static int arena_fd = -1;
static void *arena_host;
static uint32_t arena_next;
struct mbox_alloc { int live; uint32_t phys; uint32_t size; uint32_t flags; int locked; int dmabuf; };
static struct mbox_alloc allocs[64];
static int qpus_enabled;
static uint32_t n_execute;
static int fail_open_vcsm;

/* V3D registers (VideoCore IV), offsets from the V3D base */
#define V3D_IDENT0 0x000
#define V3D_L2CACTL 0x020
#define V3D_SLCACTL 0x024
#define V3D_SRQPC 0x430
#define V3D_SRQUA 0x434
#define V3D_SRQUL 0x438
#define V3D_SRQCS 0x43c
#define V3D_EXPECTED_IDENT0 0x02443356u
static int regs_fd = -1;
static volatile uint32_t *regs; /* the fake's view of the register page */
static int v3d_powered = 1;
static uint32_t queued_unif[16], queued_pc[16], n_queued;
static uint32_t n_reg_jobs; /* register-launched programs run */
static uint32_t l2_clears;
static uint32_t control_page_bus; /* where the fake writes the control list it hands the emulator */
static uint32_t srq_requests, srq_completed, srq_error, srqcs_shown; /* SRQCS as the fake V3D keeps it, and the value it last showed */

static uint32_t n_sync, n_sync_end, n_sync_start;

static int fail(int e) { errno = e; return -1; }

static int make_memfd(size_t size) {
  int fd = (int)syscall(SYS_memfd_create, "qpuc-fake-kernel", 0);
  if (fd < 0) return -1;
  if (ftruncate(fd, (off_t)size) != 0) { syscall(SYS_close, fd); return -1; }
  return fd;
}

/* ---- test controls ---- */
void qfk_reset(void) {
  for (int i = 0; i < MAX_BOS; i++) {
    if (bos[i].live) {
      syscall(SYS_munmap, bos[i].host, (size_t)bos[i].size);
      syscall(SYS_close, bos[i].memfd);
    }
    bos[i].live = 0;
  }
  next_gpu = 0x00100000;
  v3d_open = 0;
  hub_ident1 = 0x24; hub_ident3 = 0; core_ident1 = 0x420;
  has_csd = 1; has_perfmon = 1; has_reset_counters = 1;
  global_resets = context_resets = 0;
  job_failed_state = 0;
  n_wait_bo = n_submit = n_gem_close = n_mmap = n_munmap = 0;
  last_wait_timeout = 0;
  memset(last_cfg, 0, sizeof last_cfg);
  memset(cfg0_log, 0, sizeof cfg0_log);
  perfmon_id_live = 0;
  fail_open_v3d = fail_open_vcio = fail_open_mem = fail_create_bo = fail_wait_bo = fail_submit = fail_mmap = 0;
  mbox_kms = 0;
  wait_delay_ms = 0;
  memset(allocs, 0, sizeof allocs);
  arena_next = 0;
  qpus_enabled = 0;
  n_execute = 0;
  fail_open_vcsm = 0;
  n_sync = n_sync_end = n_sync_start = 0;
  v3d_powered = 1;
  n_queued = n_reg_jobs = l2_clears = 0;
  srq_requests = srq_completed = srq_error = srqcs_shown = 0;
  if (regs) memset((void *)regs, 0, 4096);
  if (arena_host) memset(arena_host, 0, ARENA_SIZE);
}

void qfk_set_ident(uint32_t ident1, uint32_t ident3, uint32_t core1) { hub_ident1 = ident1; hub_ident3 = ident3; core_ident1 = core1; }
void qfk_set_features(int csd, int perfmon, int reset_counters) { has_csd = csd; has_perfmon = perfmon; has_reset_counters = reset_counters; }
void qfk_set_runner(run_csd_fn f) { run_csd = f; }
void qfk_set_qpu_runner(run_qpu_fn f) { run_qpu = f; }
void qfk_set_mbox_kms(int on) { mbox_kms = on; }
void qfk_set_wait_delay(uint32_t ms) { wait_delay_ms = ms; }
void qfk_set_v3d_powered(int on) { v3d_powered = on; if (regs) regs[V3D_IDENT0 / 4] = on ? V3D_EXPECTED_IDENT0 : 0; }

/* Make `op` fail with errno `e` (0 = succeed again). */
int qfk_fail(const char *op, int e) {
  if (!strcmp(op, "open_v3d")) fail_open_v3d = e;
  else if (!strcmp(op, "open_vcio")) fail_open_vcio = e;
  else if (!strcmp(op, "open_mem")) fail_open_mem = e;
  else if (!strcmp(op, "create_bo")) fail_create_bo = e;
  else if (!strcmp(op, "wait_bo")) fail_wait_bo = e;
  else if (!strcmp(op, "submit_csd")) fail_submit = e;
  else if (!strcmp(op, "mmap")) fail_mmap = e;
  else if (!strcmp(op, "open_vcsm")) fail_open_vcsm = e;
  else return -1;
  return 0;
}

/* Counters: "wait_bo", "submit_csd", "gem_close", "mmap", "munmap", "live_bos", "execute_qpu", "live_allocs", "resets". */
uint32_t qfk_count(const char *what) {
  if (!strcmp(what, "wait_bo")) return n_wait_bo;
  if (!strcmp(what, "submit_csd")) return n_submit;
  if (!strcmp(what, "gem_close")) return n_gem_close;
  if (!strcmp(what, "mmap")) return n_mmap;
  if (!strcmp(what, "munmap")) return n_munmap;
  if (!strcmp(what, "execute_qpu")) return n_execute;
  if (!strcmp(what, "dmabuf_sync")) return n_sync;
  if (!strcmp(what, "register_jobs")) return n_reg_jobs;
  if (!strcmp(what, "l2_clears")) return l2_clears;
  if (!strcmp(what, "dmabuf_sync_end")) return n_sync_end;
  if (!strcmp(what, "dmabuf_sync_start")) return n_sync_start;
  if (!strcmp(what, "live_dmabufs")) {
    uint32_t n = 0;
    for (int i = 0; i < 64; i++) n += allocs[i].live && allocs[i].dmabuf;
    return n;
  }
  if (!strcmp(what, "resets")) return (uint32_t)global_resets;
  if (!strcmp(what, "live_bos")) {
    uint32_t n = 0;
    for (int i = 0; i < MAX_BOS; i++) n += bos[i].live;
    return n;
  }
  if (!strcmp(what, "live_allocs")) {
    uint32_t n = 0;
    for (int i = 0; i < 64; i++) n += allocs[i].live;
    return n;
  }
  return 0xffffffffu;
}
uint64_t qfk_last_wait_timeout(void) { return last_wait_timeout; }
uint32_t qfk_last_cfg(int k) { return k >= 0 && k < 7 ? last_cfg[k] : 0; }
uint32_t qfk_cfg0_of_submit(int k) { return k >= 0 && k < CFG0_LOG ? cfg0_log[k] : 0; }

/* Buffer objects, for the callback that runs a job: iterate handles, read their GPU address, size, memory. */
uint32_t qfk_bo_next(uint32_t after) {
  for (uint32_t h = after + 1; h <= MAX_BOS; h++) if (bos[h - 1].live) return h;
  return 0;
}
uint32_t qfk_bo_gpu(uint32_t h) { return h >= 1 && h <= MAX_BOS && bos[h - 1].live ? bos[h - 1].gpu : 0; }
uint32_t qfk_bo_size(uint32_t h) { return h >= 1 && h <= MAX_BOS && bos[h - 1].live ? bos[h - 1].size : 0; }
void *qfk_bo_host(uint32_t h) { return h >= 1 && h <= MAX_BOS && bos[h - 1].live ? bos[h - 1].host : NULL; }

/* VC4 arena, for the execute_qpu callback. */
void *qfk_arena_host(void) { return arena_host; }
uint32_t qfk_arena_phys(void) { return ARENA_PHYS; }
uint32_t qfk_arena_size(void) { return ARENA_SIZE; }

static int ensure_arena(void) {
  if (arena_host) return 0;
  arena_fd = make_memfd(ARENA_SIZE);
  if (arena_fd < 0) return -1;
  arena_host = mmap(NULL, ARENA_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, arena_fd, 0);
  if (arena_host == MAP_FAILED) { arena_host = NULL; return -1; }
  return 0;
}

/* ---- the exported "libc" ---- */
static int ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && !strcmp(s + a - b, suffix);
}

int open(const char *path, int flags) {
  (void)flags;
  if (ends_with(path, "/dev/dri/renderD128") || ends_with(path, "/dev/dri/card0")) {
    if (fail_open_v3d) return fail(fail_open_v3d);
    v3d_open = 1;
    return FD_V3D;
  }
  if (ends_with(path, "/dev/vcio")) {
    if (fail_open_vcio) return fail(fail_open_vcio);
    return ensure_arena() ? fail(ENOMEM) : FD_VCIO;
  }
  if (ends_with(path, "/dev/vcsm-cma")) {
    if (fail_open_vcsm) return fail(fail_open_vcsm);
    return ensure_arena() ? fail(ENOMEM) : FD_VCSM;
  }
  if (ends_with(path, "/dev/mem")) {
    if (fail_open_mem) return fail(fail_open_mem);
    return ensure_arena() ? fail(ENOMEM) : FD_MEM;
  }
  return fail(ENOENT);
}

int close(int fd) {
  if (fd == FD_V3D) {
    /* closing the DRM fd frees every BO of the file */
    for (int i = 0; i < MAX_BOS; i++) {
      if (!bos[i].live) continue;
      syscall(SYS_munmap, bos[i].host, (size_t)bos[i].size);
      syscall(SYS_close, bos[i].memfd);
      bos[i].live = 0;
    }
    v3d_open = 0;
    return 0;
  }
  if (fd == FD_VCIO || fd == FD_MEM || fd == FD_VCSM) return 0;
  if (fd >= FD_DMABUF && fd < FD_DMABUF + 64 && allocs[fd - FD_DMABUF].live && allocs[fd - FD_DMABUF].dmabuf) {
    allocs[fd - FD_DMABUF].live = 0; /* the last reference to the dma-buf: vcsm-cma frees the memory */
    return 0;
  }
  return fail(EBADF);
}

int getpagesize(void) { return 4096; }

static struct bo *lookup(uint32_t h) { return h >= 1 && h <= MAX_BOS && bos[h - 1].live ? &bos[h - 1] : NULL; }

static int v3d_get_param(struct drm_v3d_get_param *a) {
  if (a->pad) return fail(EINVAL);
  if (a->param <= P_CORE0_IDENT2 && a->value) return fail(EINVAL); /* register params need value 0 on input */
  switch (a->param) {
  case P_HUB_IDENT1: a->value = hub_ident1; return 0;
  case P_HUB_IDENT3: a->value = hub_ident3; return 0;
  case P_CORE0_IDENT1: a->value = core_ident1; return 0;
  case P_UIFCFG: case P_HUB_IDENT2: case P_CORE0_IDENT0: case P_CORE0_IDENT2: a->value = 0; return 0;
  case P_SUPPORTS_TFU: a->value = 1; return 0;
  case P_SUPPORTS_CSD: a->value = (uint64_t)has_csd; return 0;
  case P_SUPPORTS_CACHE_FLUSH: a->value = 1; return 0;
  case P_SUPPORTS_PERFMON: a->value = (uint64_t)has_perfmon; return 0;
  case P_SUPPORTS_MULTISYNC_EXT: case P_SUPPORTS_CPU_QUEUE: case P_SUPPORTS_SUPER_PAGES: a->value = 0; return 0;
  case P_MAX_PERF_COUNTERS: if (!has_perfmon) return fail(EINVAL); a->value = 32; return 0;
  case P_GLOBAL_RESET_COUNTER: if (!has_reset_counters) return fail(EINVAL); a->value = global_resets; return 0;
  case P_CONTEXT_RESET_COUNTER: if (!has_reset_counters) return fail(EINVAL); a->value = context_resets; return 0;
  default: return fail(EINVAL);
  }
}

static int v3d_create_bo(struct drm_v3d_create_bo *a) {
  if (a->flags || a->size == 0) return fail(EINVAL);
  if (fail_create_bo) return fail(fail_create_bo);
  int slot = -1;
  for (int i = 0; i < MAX_BOS; i++) if (!bos[i].live) { slot = i; break; }
  if (slot < 0) return fail(ENOMEM);
  uint32_t size = (a->size + 4095u) & ~4095u;
  int fd = make_memfd(size);
  if (fd < 0) return fail(ENOMEM);
  void *host = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (host == MAP_FAILED) { syscall(SYS_close, fd); return fail(ENOMEM); }
  bos[slot] = (struct bo){ .live = 1, .size = size, .gpu = next_gpu, .memfd = fd, .host = host };
  next_gpu += size + 4096; /* a hole between BOs, like a guard page */
  a->handle = (uint32_t)slot + 1;
  a->offset = bos[slot].gpu;
  return 0;
}

static int v3d_submit_csd(struct drm_v3d_submit_csd *a) {
  if (a->pad) return fail(EINVAL);
  if (!has_csd) return fail(EINVAL);
  if (a->flags & ~(uint32_t)DRM_V3D_SUBMIT_EXTENSION) return fail(EINVAL);
  if (a->bo_handle_count == 0) return fail(EINVAL); /* "Rendering requires BOs" */
  const uint32_t *handles = (const uint32_t *)(uintptr_t)a->bo_handles;
  for (uint32_t i = 0; i < a->bo_handle_count; i++) if (!lookup(handles[i])) return fail(ENOENT);
  if (a->perfmon_id && a->perfmon_id != perfmon_id_live) return fail(ENOENT);
  if (fail_submit) return fail(fail_submit);
  if (n_submit < CFG0_LOG) cfg0_log[n_submit] = a->cfg[0];
  n_submit++;
  memcpy(last_cfg, a->cfg, sizeof last_cfg);
  if (!run_csd) return fail(ENODEV);
  int64_t r = run_csd(a->cfg[0], a->cfg[1], a->cfg[2], a->cfg[3], a->cfg[4], a->cfg[5], a->cfg[6]);
  if (r < 0) {
    /* The scheduler's hang check fired: the GPU is reset, the job is dropped, its fence still signals. */
    global_resets++;
    context_resets++;
    job_failed_state = 1;
    last_job_cycles = 0;
  } else {
    job_failed_state = 0;
    last_job_cycles = (uint64_t)r;
  }
  if (a->perfmon_id) {
    for (uint32_t k = 0; k < perfmon_ncounters; k++) {
      /* V3D 4.2 counter 32 = V3D_PERFCNT_CYCLE_COUNT */
      if (perfmon_counters[k] == 32) perfmon_values[k] += last_job_cycles;
    }
  }
  return 0;
}

static int v3d_wait_bo(struct drm_v3d_wait_bo *a) {
  n_wait_bo++;
  last_wait_timeout = a->timeout_ns;
  if (a->pad) return fail(EINVAL);
  if (!lookup(a->handle)) return fail(EINVAL);
  if (wait_delay_ms) {
    struct timespec ts = { .tv_sec = wait_delay_ms / 1000u, .tv_nsec = (long)(wait_delay_ms % 1000u) * 1000000L };
    nanosleep(&ts, NULL);
  }
  if (fail_wait_bo) {
    if (fail_wait_bo == ETIME) a->timeout_ns = 0;
    return fail(fail_wait_bo);
  }
  return 0;
}

static int v3d_ioctl(unsigned long request, void *arg) {
  switch (request) {
  case DRM_IOCTL_V3D_GET_PARAM: return v3d_get_param(arg);
  case DRM_IOCTL_V3D_CREATE_BO: return v3d_create_bo(arg);
  case DRM_IOCTL_V3D_MMAP_BO: {
    struct drm_v3d_mmap_bo *a = arg;
    if (a->flags) return fail(EINVAL);
    if (!lookup(a->handle)) return fail(ENOENT);
    a->offset = MMAP_OFFSET_BASE + (uint64_t)a->handle * 0x1000000u;
    return 0;
  }
  case DRM_IOCTL_GEM_CLOSE: {
    struct drm_gem_close *a = arg;
    struct bo *b = lookup(a->handle);
    if (!b) return fail(EINVAL);
    n_gem_close++;
    syscall(SYS_munmap, b->host, (size_t)b->size);
    syscall(SYS_close, b->memfd);
    b->live = 0;
    return 0;
  }
  case DRM_IOCTL_V3D_SUBMIT_CSD: return v3d_submit_csd(arg);
  case DRM_IOCTL_V3D_WAIT_BO: return v3d_wait_bo(arg);
  case DRM_IOCTL_V3D_PERFMON_CREATE: {
    struct drm_v3d_perfmon_create *a = arg;
    if (!has_perfmon) return fail(EINVAL);
    if (a->ncounters == 0 || a->ncounters > 32) return fail(EINVAL);
    for (uint32_t k = 0; k < a->ncounters; k++) if (a->counters[k] >= 87) return fail(EINVAL); /* V3D_PERFCNT_NUM on 4.2 */
    perfmon_ncounters = a->ncounters;
    memcpy(perfmon_counters, a->counters, sizeof perfmon_counters);
    memset(perfmon_values, 0, sizeof perfmon_values);
    perfmon_id_live = 1;
    a->id = perfmon_id_live;
    return 0;
  }
  case DRM_IOCTL_V3D_PERFMON_GET_VALUES: {
    struct drm_v3d_perfmon_get_values *a = arg;
    if (a->pad) return fail(EINVAL);
    if (!a->id || a->id != perfmon_id_live) return fail(EINVAL);
    memcpy((void *)(uintptr_t)a->values_ptr, perfmon_values, perfmon_ncounters * sizeof(uint64_t));
    return 0;
  }
  case DRM_IOCTL_V3D_PERFMON_DESTROY: {
    struct drm_v3d_perfmon_destroy *a = arg;
    if (!a->id || a->id != perfmon_id_live) return fail(EINVAL);
    perfmon_id_live = 0;
    return 0;
  }
  default: return fail(EINVAL); /* an unknown request or a size the kernel does not know */
  }
}

/* ---- mailbox property interface ---- */
static struct mbox_alloc *alloc_of(uint32_t handle) {
  return handle >= 1 && handle <= 64 && allocs[handle - 1].live ? &allocs[handle - 1] : NULL;
}

/* Bus alias per allocation flags: DIRECT (1<<2) -> 0xC, COHERENT (2<<2) -> 0x8, L1_NONALLOCATING (3<<2) -> 0x4, NORMAL -> 0x0. */
static uint32_t alias_of(uint32_t flags) {
  switch ((flags >> 2) & 3) {
  case 1: return 0xC0000000u;
  case 2: return 0x80000000u;
  case 3: return 0x40000000u;
  default: return 0;
  }
}

/* A slot in the arena (page-aligned), or -1 when it is full. */
static int arena_alloc(uint32_t req, uint32_t align, uint32_t flags, int dmabuf) {
  uint32_t size = (req + 4095u) & ~4095u;
  if (!align) align = 4096;
  uint32_t start = (arena_next + align - 1) / align * align;
  if (size == 0 || start + size > ARENA_SIZE - 4096u) return -1; /* the last page holds the fake's own control lists */
  for (int i = 0; i < 64; i++) {
    if (allocs[i].live) continue;
    allocs[i] = (struct mbox_alloc){ .live = 1, .phys = ARENA_PHYS + start, .size = size, .flags = flags, .dmabuf = dmabuf };
    arena_next = start + size;
    return i;
  }
  return -1;
}

static int vcsm_ioctl(unsigned long request, void *arg) {
  if (request != VC_SM_CMA_IOCTL_MEM_ALLOC) return fail(ENOTTY);
  struct vc_sm_cma_ioctl_alloc *a = arg;
  if (a->size == 0 || a->num == 0 || a->cached > 3) return fail(EINVAL);
  if (a->size % 4096) return fail(EINVAL); /* the caller rounds to pages */
  int slot = arena_alloc(a->size * a->num, 4096, 0, 1);
  if (slot < 0) return fail(ENOMEM);
  memset((char *)arena_host + (allocs[slot].phys - ARENA_PHYS), 0, allocs[slot].size);
  a->handle = FD_DMABUF + slot;
  a->vc_handle = (uint32_t)slot + 1;
  a->dma_addr = 0xC0000000u | allocs[slot].phys; /* the VPU's uncached alias on a Pi 2/3 (dma-ranges) */
  return 0;
}

static int dmabuf_ioctl(int fd, unsigned long request, void *arg) {
  if (!(fd >= FD_DMABUF && fd < FD_DMABUF + 64 && allocs[fd - FD_DMABUF].live && allocs[fd - FD_DMABUF].dmabuf)) return fail(EBADF);
  if (request != DMA_BUF_IOCTL_SYNC) return fail(ENOTTY);
  uint64_t flags = ((struct dma_buf_sync *)arg)->flags;
  /* dma-buf.c: only the RW and END bits, and at least one of READ/WRITE */
  if ((flags & ~(uint64_t)(DMA_BUF_SYNC_RW | DMA_BUF_SYNC_END)) || !(flags & DMA_BUF_SYNC_RW)) return fail(EINVAL);
  n_sync++;
  if (flags & DMA_BUF_SYNC_END) n_sync_end++;
  else n_sync_start++;
  return 0;
}

static int mbox_tag(uint32_t tag, uint32_t *v, uint32_t *resp_len) {
  *resp_len = 4;
  switch (tag) {
  case 0x00030012: /* enable_qpu */
    if (mbox_kms) return -1;
    qpus_enabled = v[0] != 0;
    v[0] = 0;
    return 0;
  case 0x0003000C: { /* allocate: size, alignment, flags -> handle */
    int slot = arena_alloc(v[0], v[1], v[2], 0);
    v[0] = 0;
    if (slot < 0) return 0;
    if (allocs[slot].flags & (1u << 4)) memset((char *)arena_host + (allocs[slot].phys - ARENA_PHYS), 0, allocs[slot].size); /* MEM_FLAG_ZERO */
    v[0] = (uint32_t)slot + 1;
    return 0;
  }
  case 0x0003000D: { /* lock -> bus address */
    struct mbox_alloc *a = alloc_of(v[0]);
    if (!a) { v[0] = 0; return 0; }
    a->locked = 1;
    v[0] = a->phys | alias_of(a->flags);
    return 0;
  }
  case 0x0003000E: { /* unlock */
    struct mbox_alloc *a = alloc_of(v[0]);
    if (a) a->locked = 0;
    v[0] = a ? 0 : 1;
    return 0;
  }
  case 0x0003000F: { /* release */
    struct mbox_alloc *a = alloc_of(v[0]);
    if (a) a->live = 0;
    v[0] = a ? 0 : 1;
    return 0;
  }
  case 0x00030011: { /* execute_qpu: num_qpus, control, noflush, timeout_ms -> 0 ok */
    if (mbox_kms) return -1;
    n_execute++;
    if (!qpus_enabled || !run_qpu) { v[0] = 1; return 0; }
    v[0] = (uint32_t)run_qpu(v[0], v[1], v[2], v[3]);
    return 0;
  }
  case 0x00010005: /* ARM memory: base, size */
    v[0] = 0; v[1] = ARENA_PHYS; *resp_len = 8;
    return 0;
  case 0x00010006: /* VC memory: base, size */
    v[0] = ARENA_PHYS; v[1] = ARENA_SIZE; *resp_len = 8;
    return 0;
  default:
    return -1;
  }
}

static int mbox_ioctl(unsigned long request, void *arg) {
  if (request != IOCTL_MBOX_PROPERTY) return fail(ENOTTY);
  uint32_t *p = arg;
  uint32_t size = p[0];
  if (size < 12 || size % 4) return fail(EINVAL);
  uint32_t words = size / 4, i = 2;
  while (i < words && p[i] != 0) {
    uint32_t tag = p[i], buf = p[i + 1];
    if (i + 3 + buf / 4 > words) return fail(EINVAL);
    uint32_t resp_len;
    if (mbox_tag(tag, &p[i + 3], &resp_len) != 0) {
      /* the firmware reports a failed property request; the kernel turns a bad status into EINVAL */
      p[1] = 0x80000001u;
      return fail(EINVAL);
    }
    p[i + 2] = 0x80000000u | resp_len;
    i += 3 + buf / 4;
  }
  p[1] = 0x80000000u;
  return 0;
}

int ioctl(int fd, unsigned long request, void *arg) {
  if (fd == FD_V3D && v3d_open) return v3d_ioctl(request, arg);
  if (fd == FD_VCIO) return mbox_ioctl(request, arg);
  if (fd == FD_VCSM) return vcsm_ioctl(request, arg);
  if (fd >= FD_DMABUF && fd < FD_DMABUF + 64) return dmabuf_ioctl(fd, request, arg);
  return fail(fd == FD_MEM ? ENOTTY : EBADF);
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off64_t offset) {
  if (flags & MAP_ANONYMOUS) return mmap(addr, len, prot, flags, -1, 0); /* ordinary memory: the real thing */
  if (fail_mmap) { errno = fail_mmap; return MAP_FAILED; }
  if (fd == FD_V3D) {
    uint64_t off = (uint64_t)offset;
    if (off < MMAP_OFFSET_BASE) { errno = EINVAL; return MAP_FAILED; }
    uint32_t h = (uint32_t)((off - MMAP_OFFSET_BASE) / 0x1000000u);
    struct bo *b = lookup(h);
    if (!b || len > b->size) { errno = EINVAL; return MAP_FAILED; }
    n_mmap++;
    return mmap(addr, len, prot, flags, b->memfd, 0);
  }
  if (fd == FD_MEM && ((uint64_t)offset == 0x3FC00000u || (uint64_t)offset == 0x20C00000u)) {
    /* the V3D register block at peripheral base + 0xC00000 (Pi 2/3: 0x3F000000, Pi 0/1: 0x20000000) */
    if (len > 4096) { errno = EINVAL; return MAP_FAILED; }
    if (!regs) {
      regs_fd = make_memfd(4096);
      if (regs_fd < 0) { errno = ENOMEM; return MAP_FAILED; }
      void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, regs_fd, 0);
      if (p == MAP_FAILED) { errno = ENOMEM; return MAP_FAILED; }
      regs = p;
    }
    regs[V3D_IDENT0 / 4] = v3d_powered ? V3D_EXPECTED_IDENT0 : 0;
    n_mmap++;
    return mmap(addr, len, prot, flags, regs_fd, 0);
  }
  if (fd == FD_MEM) {
    uint64_t phys = (uint64_t)offset;
    if (phys < ARENA_PHYS || phys + len > (uint64_t)ARENA_PHYS + ARENA_SIZE || phys % 4096) { errno = EINVAL; return MAP_FAILED; }
    n_mmap++;
    return mmap(addr, len, prot, flags, arena_fd, (off_t)(phys - ARENA_PHYS));
  }
  if (fd >= FD_DMABUF && fd < FD_DMABUF + 64) {
    struct mbox_alloc *a = &allocs[fd - FD_DMABUF];
    if (!a->live || !a->dmabuf) { errno = EBADF; return MAP_FAILED; }
    if (offset != 0 || len > a->size) { errno = EINVAL; return MAP_FAILED; }
    n_mmap++;
    return mmap(addr, len, prot, flags, arena_fd, (off_t)(a->phys - ARENA_PHYS));
  }
  errno = ENODEV;
  return MAP_FAILED;
}

int munmap(void *addr, size_t len) {
  n_munmap++;
  return (int)syscall(SYS_munmap, addr, len);
}

/*
 * The driver's pause between two polls of SRQCS. The register page is plain
 * memory, so this is where the fake V3D acts: take a newly written request,
 * or — when there is none — run the queued ones.
 */
int usleep(unsigned int usec) {
  (void)usec;
  if (!regs || !v3d_powered) return 0;
  if (regs[V3D_L2CACTL / 4] & (1u << 2)) { l2_clears++; regs[V3D_L2CACTL / 4] = 0; }
  uint32_t cs = regs[V3D_SRQCS / 4];
  if (cs != srqcs_shown) {
    /* The driver wrote SRQCS (plain memory cannot tell a write from a read, so the fake compares with what it showed):
       a 1 in bit 7 clears the error flag, in bit 8 the request count, in bit 16 the completed count. */
    if (cs & (1u << 7)) srq_error = 0;
    if (cs & (1u << 8)) srq_requests = 0;
    if (cs & (1u << 16)) srq_completed = 0;
  } else if (regs[V3D_SRQPC / 4] != 0) {
    /* a request: SRQUA and SRQPC (the write of SRQPC queues it) */
    if (n_queued >= 16) srq_error = 1; /* the queue is 16 deep: overflow sets the error bit */
    else {
      queued_unif[n_queued] = regs[V3D_SRQUA / 4];
      queued_pc[n_queued] = regs[V3D_SRQPC / 4];
      n_queued++;
      srq_requests = (srq_requests + 1) & 0xff;
    }
    regs[V3D_SRQPC / 4] = 0;
  } else if (n_queued > 0 && run_qpu) {
    /* no new request: run the queued ones as one control list in the arena's last page */
    uint32_t off = ARENA_SIZE - 4096u;
    uint32_t *list = (uint32_t *)((char *)arena_host + off);
    for (uint32_t k = 0; k < n_queued; k++) { list[2 * k] = queued_unif[k]; list[2 * k + 1] = queued_pc[k]; }
    control_page_bus = 0xC0000000u | (ARENA_PHYS + off);
    if (run_qpu(n_queued, control_page_bus, 0, 1000) == 0) {
      srq_completed = (srq_completed + n_queued) & 0xff;
      n_reg_jobs += n_queued;
    }
    /* a program that never ends is never counted complete: the driver's poll times out */
    n_queued = 0;
  }
  srqcs_shown = (srq_completed << 16) | (srq_requests << 8) | (srq_error << 7) | n_queued;
  regs[V3D_SRQCS / 4] = srqcs_shown;
  return 0;
}

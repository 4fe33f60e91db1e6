// advise(buffer): asks the kernel to back the 2 MiB-aligned part of an
// ArrayBuffer's memory with transparent huge pages (madvise MADV_HUGEPAGE).
// The fast lane's WebAssembly memory holds the flow table, the question
// stage's window table and their indexes; V8 maps it with plain pages, so
// with the kernel's default THP mode (madvise) every 4 KiB of it costs a
// page fault on first touch and a TLB entry after. Returns the bytes
// advised: 0 when the buffer holds no whole aligned huge page, the kernel
// refuses (THP compiled out), or the system is not Linux.
#include <node_api.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#define HUGE_PAGE ((uintptr_t)2 << 20)

static napi_value advise(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_value result;
  void *data = NULL;
  size_t length = 0;
  double advised = 0;
  bool is_buffer = false;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc < 1 || napi_is_arraybuffer(env, argv[0], &is_buffer) != napi_ok || !is_buffer) {
    napi_throw_type_error(env, NULL, "advise: an ArrayBuffer is required");
    return NULL;
  }
  if (napi_get_arraybuffer_info(env, argv[0], &data, &length) != napi_ok) return NULL;
#ifdef MADV_HUGEPAGE
  uintptr_t start = ((uintptr_t)data + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
  uintptr_t end = ((uintptr_t)data + length) & ~(HUGE_PAGE - 1);
  if (end > start && madvise((void *)start, end - start, MADV_HUGEPAGE) == 0) advised = (double)(end - start);
#endif
  if (napi_create_double(env, advised, &result) != napi_ok) return NULL;
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "advise", NAPI_AUTO_LENGTH, advise, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "advise", fn) != napi_ok) return NULL;
  return exports;
}

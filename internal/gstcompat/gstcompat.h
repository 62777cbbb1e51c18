/*
 * GStreamer 1.20 compatibility for C code we cannot edit: go-gst v1.4.0
 * (pinned) calls gst_debug_message_get_id, which GStreamer added in 1.22.
 * Against 1.20 headers its package does not compile; linked against 1.22
 * the binary needs libgstreamer >= 1.22 to start.
 *
 * mk/compat.mk force-includes this header into every cgo compile
 * (CGO_CFLAGS=-include <this file>), before any GStreamer header, so that
 * go-gst's call goes through a wrapper that calls the real function when
 * the GStreamer loaded at run time has it and returns NULL otherwise (Go
 * reads NULL as "", an unknown id). So one binary, built against 1.20 or
 * 1.22, runs on either, and the .deb built on Debian 12 installs on 1.20.
 *
 * It includes no header (it is seen by every cgo file, GStreamer or not)
 * and defines only static inline code, which costs nothing where unused.
 * Our own cgo code must not call 1.22 API: guard it with
 * GST_CHECK_VERSION and give 1.20 a fallback. scripts/check-gst120.sh
 * builds against and runs with GStreamer 1.20 to prove all of this.
 */
/* Also seen by gcc when it preprocesses assembly (runtime/cgo's .S files). */
#if !defined(AVWATCH_GSTCOMPAT_H) && !defined(__ASSEMBLER__)
#define AVWATCH_GSTCOMPAT_H

/* Same typedef as gst/gstinfo.h (C11 allows the repetition). */
typedef struct _GstDebugMessage GstDebugMessage;

/* glibc's <dlfcn.h> declares the same (libc.so.6 has it since 2.34). */
extern void *dlsym(void *handle, const char *name);

/* GStreamer >= 1.22's gst_debug_message_get_id, looked up at run time in
 * the libgstreamer already loaded (dlsym's RTLD_DEFAULT, glibc's (void *)0)
 * rather than linked: no reference, not even a weak one, that a 1.20
 * loader or dpkg-shlibdeps (which would make the .deb require 1.22) sees.
 * Once per translation unit; a race only repeats the lookup. */
static inline const char *
avwatch_gst_debug_message_get_id(GstDebugMessage *message)
{
  static void *fn;
  static int looked_up;
  void *f;

  if (__atomic_load_n(&looked_up, __ATOMIC_ACQUIRE)) {
    f = __atomic_load_n(&fn, __ATOMIC_RELAXED);
  } else {
    f = dlsym((void *)0, "gst_debug_message_get_id");
    __atomic_store_n(&fn, f, __ATOMIC_RELAXED);
    __atomic_store_n(&looked_up, 1, __ATOMIC_RELEASE);
  }
  if (f == 0)
    return 0;
  return ((const char *(*)(GstDebugMessage *))f)(message);
}

/* Every later mention, gst/gstinfo.h's 1.22 declaration included (which
 * then re-declares the static function above, as C allows), means the
 * wrapper. */
#define gst_debug_message_get_id avwatch_gst_debug_message_get_id

#endif

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
 * reads NULL as "", an unknown id). The reference is weak, so one binary
 * links against 1.20 or 1.22 and runs on either.
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

/* GStreamer >= 1.22. Weak: NULL at run time on 1.20 instead of a failed
 * symbol lookup when the program starts. */
extern const char *gst_debug_message_get_id(GstDebugMessage *message)
    __attribute__((weak));

static inline const char *
avwatch_gst_debug_message_get_id(GstDebugMessage *message)
{
  if (gst_debug_message_get_id == 0)
    return 0;
  return gst_debug_message_get_id(message);
}

/* Every later mention, gst/gstinfo.h's 1.22 declaration included (which
 * then re-declares the static function above, as C allows), means the
 * wrapper. */
#define gst_debug_message_get_id avwatch_gst_debug_message_get_id

#endif

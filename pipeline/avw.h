// C side of the pipeline runner. Everything that touches GStreamer objects
// per message or per buffer lives here: one cgo call per message instead of
// dozens through go-gst's wrappers, references dropped at once instead of by
// Go finalizers, and buffer probes that never call into Go.
#ifndef AVW_PIPELINE_H
#define AVW_PIPELINE_H

#include <gst/gst.h>

enum { AVW_VIDEO = 0, AVW_AUDIO = 1 };

// A running pipeline and what its probes count.
typedef struct {
	GstElement *pipeline;
	GstBus *bus;
	gint64 buffers[2];   // buffers that reached the analysers (atomic)
	gint64 last_pts[2];  // PTS of the latest one, -1 unknown (atomic)
	gint64 first_pts[2]; // PTS of the first one, -1 unknown (atomic)
	gint64 first_st[2];  // its stream time (the segment's), -1 unknown (atomic)
	int analysers[2];    // analyser pads probed per kind
	gint eos[2];         // analyser pads that saw EOS (atomic)
	int background;         // avw_inst_background was called
	gint background_tid[2]; // the analyser threads it lowered, 0 none yet (atomic)
} avw_inst;

// Registry.
int avw_has_factory(const char *name);
int avw_get_rank(const char *name);
void avw_set_rank(const char *name, int rank);
char *avw_decoders(const char *caps, const char *media);
char *avw_factory_klass(const char *name);
char *avw_version(void);
int avw_factory_has_property(const char *factory, const char *prop);

// Parsing. Returns NULL and fills err (and missing: comma-separated factory
// names) on failure. code is the GstParseError.
GstElement *avw_parse(const char *desc, char **err, char **missing, int *code);
// Element inventory of a parsed pipeline, "factory=name\n" per element,
// recursively (bins created later, like decodebin3's insides, not included).
char *avw_inventory(GstElement *pipeline);
int avw_live_pipelines(void);

// Properties. Returns NULL on success, else an error message.
char *avw_check_prop(GstElement *e, const char *prop, const char *value);
char *avw_set_prop(GstElement *e, const char *prop, const char *value);
char *avw_get_prop(GstElement *e, const char *prop); // serialized, NULL if none
// Elements matching key (name, else factory name), NULL-terminated array.
GstElement **avw_find(GstElement *pipeline, const char *key);
void avw_free_found(GstElement **found);

// Instances.
avw_inst *avw_inst_new(GstElement *pipeline);
int avw_inst_probe(avw_inst *in);
int avw_inst_set_state(avw_inst *in, int state);
void avw_inst_free(avw_inst *in);
gint64 avw_inst_buffers(avw_inst *in, int kind);
gint64 avw_inst_last_pts(avw_inst *in, int kind);
int avw_inst_analysers(avw_inst *in, int kind);
// The run's origin: the smallest first-buffer PTS (stream_time 0) or
// first-buffer stream time (stream_time 1) over its streams; -1 unknown.
gint64 avw_inst_origin(avw_inst *in, int stream_time);
int avw_inst_eos(avw_inst *in, int kind);
// Background analysis (batch checks): every streaming task gets a thread of
// its own that ends with it, and at their first buffer the threads that run
// the analysers drop to SCHED_IDLE: audioqc's when video is analysed too,
// videoqc's when a queue feeds it (the thread then runs nothing else).
// Call before the first state change, after avw_inst_probe.
void avw_inst_background(avw_inst *in);
int avw_inst_background_tid(avw_inst *in, int kind);
gint64 avw_inst_position(avw_inst *in);
gint64 avw_inst_duration(avw_inst *in);
char *avw_inst_video_decoder(avw_inst *in);
GstMessage *avw_inst_pop(avw_inst *in, gint64 timeout_ns);

// Probes: the streams an element exposes (pad-added), until no-more-pads.
typedef struct avw_probe avw_probe;
avw_probe *avw_probe_attach(GstElement *pipeline, const char *name);
char *avw_probe_streams(avw_probe *p, int *no_more); // "kind|caps\n" per pad
void avw_probe_unref(avw_probe *p);

// Messages.
typedef struct {
	int type;        // GstMessageType
	int from_top;    // posted by the pipeline itself
	char *src;       // name of the element that posted it
	char *origin;    // "factory|klass\n" from the poster up to the pipeline
	char *text;      // error/warning text
	char *debug;     // error/warning debug string
	int old_state, new_state;
	char *streams;   // stream collection: "video|caps\n" or "audio|caps\n" per stream
} avw_msg;

void avw_msg_read(GstMessage *m, avw_msg *out);
void avw_msg_clear(avw_msg *m);
void avw_msg_unref(GstMessage *m);

#endif

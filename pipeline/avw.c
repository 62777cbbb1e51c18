#define _GNU_SOURCE // SCHED_IDLE
#include "avw.h"
#include <string.h>
#ifdef __linux__
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* ---- registry ---- */

/* demote_stale sets rank none, for this process, on every feature of the
 * plugin that the plugin no longer provides, so that decodebin3 never picks
 * one: it does not skip a decoder it fails to make (on the H100 with its
 * GPU hidden, hwaccel auto then stopped with "not-linked" instead of
 * decoding in software). Called once the plugin has loaded, so each
 * feature's load is a lookup. */
static void demote_stale(const char *plugin) {
	if (plugin == NULL) return;
	GList *all = gst_registry_get_feature_list_by_plugin(gst_registry_get(), plugin);
	for (GList *l = all; l != NULL; l = l->next) {
		GstPluginFeature *loaded = gst_plugin_feature_load(GST_PLUGIN_FEATURE(l->data));
		if (loaded != NULL) {
			gst_object_unref(loaded);
			continue;
		}
		gst_plugin_feature_set_rank(GST_PLUGIN_FEATURE(l->data), GST_RANK_NONE);
	}
	gst_plugin_feature_list_free(all);
}

int avw_has_factory(const char *name) {
	GstPluginFeature *f = gst_registry_lookup_feature(gst_registry_get(), name);
	if (f == NULL) return 0;
	if (!GST_IS_ELEMENT_FACTORY(f)) {
		gst_object_unref(f);
		return 0;
	}
	/* The registry cache can list a factory its plugin no longer provides:
	 * nvcodec registers its decoders only when CUDA works, and a registry
	 * written while the GPU worked outlives the GPU (measured on an H100
	 * with CUDA_VISIBLE_DEVICES= and the registry kept: a string naming
	 * nvh264dec failed to parse, with GStreamer-CRITICALs). Loading the
	 * plugin tells; the pipeline would load it anyway. */
	GstPluginFeature *loaded = gst_plugin_feature_load(f);
	if (loaded == NULL) {
		demote_stale(gst_plugin_feature_get_plugin_name(f));
		gst_object_unref(f);
		return 0;
	}
	gst_object_unref(f);
	gst_object_unref(loaded);
	return 1;
}

int avw_get_rank(const char *name) {
	GstPluginFeature *f = gst_registry_lookup_feature(gst_registry_get(), name);
	if (f == NULL) return -1;
	int r = (int)gst_plugin_feature_get_rank(f);
	gst_object_unref(f);
	return r;
}

void avw_set_rank(const char *name, int rank) {
	GstPluginFeature *f = gst_registry_lookup_feature(gst_registry_get(), name);
	if (f == NULL) return;
	gst_plugin_feature_set_rank(f, (guint)rank);
	gst_object_unref(f);
}

// avw_decoders returns the decoders decodebin3 would consider for caps,
// best first, comma-separated: the decoder factories (rank ≥ marginal)
// whose sink accepts them and whose klass names media ("Video", "Audio").
// NULL for caps that do not parse.
char *avw_decoders(const char *caps_str, const char *media) {
	GstCaps *caps = gst_caps_from_string(caps_str);
	if (caps == NULL) return NULL;
	GList *all = gst_element_factory_list_get_elements(GST_ELEMENT_FACTORY_TYPE_DECODER, GST_RANK_MARGINAL);
	GList *ok = gst_element_factory_list_filter(all, caps, GST_PAD_SINK, FALSE);
	ok = g_list_sort(ok, gst_plugin_feature_rank_compare_func);
	GString *out = g_string_new(NULL);
	for (GList *l = ok; l != NULL; l = l->next) {
		const char *klass = gst_element_factory_get_metadata(GST_ELEMENT_FACTORY(l->data), GST_ELEMENT_METADATA_KLASS);
		if (klass == NULL || strstr(klass, media) == NULL) continue;
		if (out->len > 0) g_string_append_c(out, ',');
		g_string_append(out, gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(l->data)));
	}
	gst_plugin_feature_list_free(ok);
	gst_plugin_feature_list_free(all);
	gst_caps_unref(caps);
	return g_string_free(out, FALSE);
}

char *avw_factory_klass(const char *name) {
	GstElementFactory *f = gst_element_factory_find(name);
	if (f == NULL) return NULL;
	char *k = g_strdup(gst_element_factory_get_metadata(f, GST_ELEMENT_METADATA_KLASS));
	gst_object_unref(f);
	return k;
}

char *avw_version(void) { return gst_version_string(); }

int avw_factory_has_property(const char *factory, const char *prop) {
	GstElement *e = gst_element_factory_make(factory, NULL);
	if (e == NULL) return 0;
	gst_object_ref_sink(e);
	int ok = g_object_class_find_property(G_OBJECT_GET_CLASS(e), prop) != NULL;
	gst_object_unref(e);
	return ok;
}

/* ---- parsing ---- */

static gint live_pipelines;

static void pipeline_gone(gpointer data, GObject *obj) { g_atomic_int_add(&live_pipelines, -1); }

int avw_live_pipelines(void) { return g_atomic_int_get(&live_pipelines); }

GstElement *avw_parse(const char *desc, char **err, char **missing, int *code) {
	GError *e = NULL;
	GstParseContext *ctx = gst_parse_context_new();
	GstElement *el = gst_parse_launch_full(desc, ctx, GST_PARSE_FLAG_FATAL_ERRORS, &e);
	if (e != NULL) {
		*err = g_strdup(e->message);
		*code = e->code;
		gchar **m = gst_parse_context_get_missing_elements(ctx);
		if (m != NULL) {
			*missing = g_strjoinv(",", m);
			g_strfreev(m);
		}
		g_error_free(e);
		if (el != NULL) gst_object_unref(gst_object_ref_sink(el));
		gst_parse_context_free(ctx);
		return NULL;
	}
	gst_parse_context_free(ctx);
	if (el == NULL) {
		*err = g_strdup("empty pipeline");
		return NULL;
	}
	gst_object_ref_sink(el);
	if (!GST_IS_PIPELINE(el)) {
		GstElement *p = gst_pipeline_new(NULL);
		gst_bin_add(GST_BIN(p), el); // the bin takes its own reference
		gst_object_unref(el);
		el = p;
		gst_object_ref_sink(el);
	}
	g_atomic_int_add(&live_pipelines, 1);
	g_object_weak_ref(G_OBJECT(el), pipeline_gone, NULL);
	return el;
}

typedef void (*avw_visit)(GstElement *e, gpointer data);

// visit calls fn on every element inside bin, recursively.
static void visit(GstElement *bin, avw_visit fn, gpointer data) {
	GstIterator *it = gst_bin_iterate_recurse(GST_BIN(bin));
	GValue v = G_VALUE_INIT;
	gboolean done = FALSE;
	while (!done) {
		switch (gst_iterator_next(it, &v)) {
		case GST_ITERATOR_OK:
			fn(GST_ELEMENT(g_value_get_object(&v)), data);
			g_value_reset(&v);
			break;
		case GST_ITERATOR_RESYNC:
			gst_iterator_resync(it);
			break;
		default:
			done = TRUE;
		}
	}
	g_value_unset(&v);
	gst_iterator_free(it);
}

static const char *factory_name(GstElement *e) {
	GstElementFactory *f = gst_element_get_factory(e);
	return f ? gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(f)) : "";
}

static void inventory_one(GstElement *e, gpointer data) {
	g_string_append_printf((GString *)data, "%s=%s\n", factory_name(e), GST_ELEMENT_NAME(e));
}

char *avw_inventory(GstElement *pipeline) {
	GString *s = g_string_new(NULL);
	visit(pipeline, inventory_one, s);
	return g_string_free(s, FALSE);
}

/* ---- properties ---- */

static char *deserialize(GstElement *e, const char *prop, const char *value, GValue *v) {
	GParamSpec *ps = g_object_class_find_property(G_OBJECT_GET_CLASS(e), prop);
	if (ps == NULL)
		return g_strdup_printf("%s has no property \"%s\" (gst-inspect-1.0 %s lists them)", GST_ELEMENT_NAME(e), prop, factory_name(e));
	if (!(ps->flags & G_PARAM_WRITABLE) || (ps->flags & G_PARAM_CONSTRUCT_ONLY))
		return g_strdup_printf("%s property \"%s\" cannot be set", GST_ELEMENT_NAME(e), prop);
	g_value_init(v, ps->value_type);
	if (!gst_value_deserialize(v, value)) {
		g_value_unset(v);
		return g_strdup_printf("%s property \"%s\": %s is not a valid %s", GST_ELEMENT_NAME(e), prop, value, g_type_name(ps->value_type));
	}
	if (g_param_value_validate(ps, v)) {
		g_value_unset(v);
		return g_strdup_printf("%s property \"%s\": %s is out of range", GST_ELEMENT_NAME(e), prop, value);
	}
	return NULL;
}

char *avw_check_prop(GstElement *e, const char *prop, const char *value) {
	GValue v = G_VALUE_INIT;
	char *err = deserialize(e, prop, value, &v);
	if (err == NULL) g_value_unset(&v);
	return err;
}

char *avw_set_prop(GstElement *e, const char *prop, const char *value) {
	GValue v = G_VALUE_INIT;
	char *err = deserialize(e, prop, value, &v);
	if (err != NULL) return err;
	g_object_set_property(G_OBJECT(e), prop, &v);
	g_value_unset(&v);
	return NULL;
}

char *avw_get_prop(GstElement *e, const char *prop) {
	GParamSpec *ps = g_object_class_find_property(G_OBJECT_GET_CLASS(e), prop);
	if (ps == NULL) return NULL;
	GValue v = G_VALUE_INIT;
	g_value_init(&v, ps->value_type);
	g_object_get_property(G_OBJECT(e), prop, &v);
	char *s = gst_value_serialize(&v);
	g_value_unset(&v);
	return s;
}

typedef struct {
	const char *key;
	GPtrArray *out;
} find_ctx;

static void find_factory(GstElement *e, gpointer data) {
	find_ctx *c = data;
	if (strcmp(factory_name(e), c->key) == 0) g_ptr_array_add(c->out, gst_object_ref(e));
}

GstElement **avw_find(GstElement *pipeline, const char *key) {
	GPtrArray *out = g_ptr_array_new();
	GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline), key);
	if (e != NULL) {
		g_ptr_array_add(out, e);
	} else {
		find_ctx c = {key, out};
		visit(pipeline, find_factory, &c);
	}
	g_ptr_array_add(out, NULL);
	return (GstElement **)g_ptr_array_free(out, FALSE);
}

void avw_free_found(GstElement **found) {
	for (GstElement **p = found; *p != NULL; p++) gst_object_unref(*p);
	g_free(found);
}

/* ---- instances ---- */

avw_inst *avw_inst_new(GstElement *pipeline) {
	avw_inst *in = g_new0(avw_inst, 1);
	in->pipeline = pipeline; // owns the caller's reference
	in->bus = gst_element_get_bus(pipeline);
	in->last_pts[0] = in->last_pts[1] = -1;
	in->first_pts[0] = in->first_pts[1] = -1;
	in->first_st[0] = in->first_st[1] = -1;
	return in;
}

/* ---- background analysis ---- */

// Why: on a box that decodes as fast as it can (avwatch check), the
// frame-threaded video decoder keeps every core busy except while its
// threads wait on one another. The analysers took cores from the decoder
// threads at once: audioqc's thread (AAC decode and audioqc: 6 % of a
// core decoding loudness.mp4 alone, 12 % with audioqc, one perf run each)
// woke at each buffer, and videoqc ran on the thread that feeds the
// decoder. At SCHED_IDLE they run in those waits instead. Nothing is lost:
// the same work is done, and queues hold the analysis back no further than
// their limits (multiqueue's for audio, the 4 frames of the queue before
// videoqc), after which the decoder waits and the analysers get the cores.
// audioqc's thread only where video is analysed too (in an audio-only file
// audio is the work); videoqc's only where a queue feeds it, so that its
// thread runs the analysis and nothing else.
//
// A thread lowered to SCHED_IDLE cannot go back without CAP_SYS_NICE, and
// GStreamer's default task pool hands a finished task's thread to the next
// task (the next file's video thread, say). So in these pipelines every
// task gets a thread of its own that ends when the task is joined: set at
// STREAM_STATUS create time, the way GStreamer lets an application choose
// its threads.

typedef struct { GstTaskPool parent; } AvwOwnPool;
typedef struct { GstTaskPoolClass parent_class; } AvwOwnPoolClass;
G_DEFINE_TYPE(AvwOwnPool, avw_own_pool, GST_TYPE_TASK_POOL)

typedef struct {
	GstTaskPoolFunction func;
	gpointer data;
} own_job;

static gpointer own_run(gpointer p) {
	own_job j = *(own_job *)p;
	g_free(p);
	j.func(j.data);
	return NULL;
}

static gpointer own_push(GstTaskPool *pool, GstTaskPoolFunction func, gpointer data, GError **error) {
	own_job *j = g_new(own_job, 1);
	j->func = func;
	j->data = data;
	GThread *t = g_thread_try_new("avw-task", own_run, j, error);
	if (t == NULL) g_free(j);
	return t;
}

static void own_join(GstTaskPool *pool, gpointer id) {
	if (id != NULL) g_thread_join(id);
}

static void own_dispose_handle(GstTaskPool *pool, gpointer id) {
	if (id != NULL) g_thread_unref(id);
}

static void own_prepare(GstTaskPool *pool, GError **error) {}
static void own_cleanup(GstTaskPool *pool) {}

static void avw_own_pool_class_init(AvwOwnPoolClass *k) {
	GstTaskPoolClass *c = GST_TASK_POOL_CLASS(k);
	c->prepare = own_prepare;
	c->cleanup = own_cleanup;
	c->push = own_push;
	c->join = own_join;
	c->dispose_handle = own_dispose_handle;
}

static void avw_own_pool_init(AvwOwnPool *p) {}

static GstBusSyncReply own_threads(GstBus *bus, GstMessage *m, gpointer data) {
	if (GST_MESSAGE_TYPE(m) != GST_MESSAGE_STREAM_STATUS) return GST_BUS_PASS;
	GstStreamStatusType t;
	gst_message_parse_stream_status(m, &t, NULL);
	const GValue *v = gst_message_get_stream_status_object(m);
	if (t == GST_STREAM_STATUS_TYPE_CREATE && v != NULL && G_VALUE_HOLDS(v, GST_TYPE_TASK)) {
		GstTaskPool *pool = g_object_new(avw_own_pool_get_type(), NULL);
		gst_object_ref_sink(pool);
		gst_task_set_pool(GST_TASK(g_value_get_object(v)), pool);
		gst_object_unref(pool);
	}
	return GST_BUS_PASS;
}

void avw_inst_background(avw_inst *in) {
	in->background = 1;
	gst_bus_set_sync_handler(in->bus, own_threads, NULL, NULL);
}

int avw_inst_background_tid(avw_inst *in, int kind) { return g_atomic_int_get(&in->background_tid[kind]); }

// fed_by_queue reports whether a queue's source pad feeds pad, directly or
// through videoconvert (AnalysisThread puts the queue before the
// conversion): then the thread runs conversion and analysis only.
static int fed_by_queue(GstPad *pad) {
	GstPad *peer = gst_pad_get_peer(pad);
	for (int hops = 0; peer != NULL && hops < 4; hops++) {
		GstElement *up = gst_pad_get_parent_element(peer);
		gst_object_unref(peer);
		if (up == NULL) return 0;
		const char *f = factory_name(up);
		if (strcmp(f, "queue") == 0) {
			gst_object_unref(up);
			return 1;
		}
		peer = NULL;
		if (strcmp(f, "videoconvert") == 0) {
			GstPad *sink = gst_element_get_static_pad(up, "sink");
			if (sink != NULL) {
				peer = gst_pad_get_peer(sink);
				gst_object_unref(sink);
			}
		}
		gst_object_unref(up);
	}
	if (peer != NULL) gst_object_unref(peer);
	return 0;
}

// lower_analyser_thread runs at the first buffer, on the analyser's thread.
static void lower_analyser_thread(avw_inst *in, GstPad *pad, int kind) {
	if (kind == AVW_AUDIO ? in->analysers[AVW_VIDEO] == 0 : !fed_by_queue(pad)) return;
#ifdef __linux__
	struct sched_param sp = {0};
	if (sched_setscheduler(0, SCHED_IDLE, &sp) == 0) g_atomic_int_set(&in->background_tid[kind], (gint)syscall(SYS_gettid));
#endif
}

typedef struct {
	avw_inst *in;
	int kind;
	int lowered; // background: this pad's thread was handled (its streaming thread only)
	gint64 *count;
	gint64 *pts;
	gint64 *first;
	gint64 *first_st;
	gint *eos;
} probe_ctx;

static GstPadProbeReturn count_cb(GstPad *pad, GstPadProbeInfo *info, gpointer data) {
	probe_ctx *c = data;
	GstClockTime pts = GST_CLOCK_TIME_NONE;
	gint n = 1;
	if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
		pts = GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info));
	} else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
		GstBufferList *l = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
		n = gst_buffer_list_length(l);
		if (n > 0) pts = GST_BUFFER_PTS(gst_buffer_list_get(l, 0));
	} else {
		if (GST_EVENT_TYPE(GST_PAD_PROBE_INFO_EVENT(info)) == GST_EVENT_EOS) g_atomic_int_add(c->eos, 1);
		return GST_PAD_PROBE_OK;
	}
	__atomic_add_fetch(c->count, n, __ATOMIC_RELAXED);
	if (c->in->background && !c->lowered) {
		c->lowered = 1;
		lower_analyser_thread(c->in, pad, c->kind);
	}
	if (GST_CLOCK_TIME_IS_VALID(pts)) {
		gint64 none = -1;
		if (__atomic_compare_exchange_n(c->first, &none, (gint64)pts, FALSE, __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
			// Once per stream: where the first buffer sits on the
			// container's presentation timeline (an MP4 edit list
			// puts it at 0 whatever its raw PTS).
			GstEvent *ev = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0);
			if (ev != NULL) {
				const GstSegment *seg;
				gst_event_parse_segment(ev, &seg);
				if (seg->format == GST_FORMAT_TIME) {
					guint64 st = gst_segment_to_stream_time(seg, GST_FORMAT_TIME, pts);
					if (GST_CLOCK_TIME_IS_VALID(st)) __atomic_store_n(c->first_st, (gint64)st, __ATOMIC_RELAXED);
				}
				gst_event_unref(ev);
			}
		}
		__atomic_store_n(c->pts, (gint64)pts, __ATOMIC_RELAXED);
	}
	return GST_PAD_PROBE_OK;
}

static void probe_pad(avw_inst *in, GstElement *e, int kind) {
	GstPad *pad = gst_element_get_static_pad(e, "sink");
	if (pad == NULL) return;
	probe_ctx *c = g_new0(probe_ctx, 1);
	c->in = in;
	c->kind = kind;
	c->count = &in->buffers[kind];
	c->pts = &in->last_pts[kind];
	c->eos = &in->eos[kind];
	c->first = &in->first_pts[kind];
	c->first_st = &in->first_st[kind];
	gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
		count_cb, c, g_free);
	gst_object_unref(pad);
	in->analysers[kind]++;
}

static void probe_analyser(GstElement *e, gpointer data) {
	avw_inst *in = data;
	const char *f = factory_name(e), *n = GST_ELEMENT_NAME(e);
	if (strcmp(f, "videoqc") == 0 || g_str_has_prefix(n, "videoqc"))
		probe_pad(in, e, AVW_VIDEO);
	else if (strcmp(f, "audioqc") == 0 || g_str_has_prefix(n, "audioqc"))
		probe_pad(in, e, AVW_AUDIO);
}

static void probe_sink(GstElement *e, gpointer data) {
	if (GST_OBJECT_FLAG_IS_SET(e, GST_ELEMENT_FLAG_SINK) && !GST_IS_BIN(e)) probe_pad(data, e, AVW_VIDEO);
}

// avw_inst_probe counts buffers entering the analysers (videoqc/audioqc, or
// elements named so); without any, at the sinks. Returns the pads probed.
int avw_inst_probe(avw_inst *in) {
	visit(in->pipeline, probe_analyser, in);
	if (in->analysers[0] + in->analysers[1] == 0) visit(in->pipeline, probe_sink, in);
	return in->analysers[0] + in->analysers[1];
}

int avw_inst_set_state(avw_inst *in, int state) { return gst_element_set_state(in->pipeline, (GstState)state); }

void avw_inst_free(avw_inst *in) {
	gst_element_set_state(in->pipeline, GST_STATE_NULL);
	gst_bus_set_flushing(in->bus, TRUE); // drops queued messages and their refs
	gst_object_unref(in->bus);
	gst_object_unref(in->pipeline);
	g_free(in);
}

gint64 avw_inst_buffers(avw_inst *in, int kind) { return __atomic_load_n(&in->buffers[kind], __ATOMIC_RELAXED); }
gint64 avw_inst_last_pts(avw_inst *in, int kind) { return __atomic_load_n(&in->last_pts[kind], __ATOMIC_RELAXED); }
int avw_inst_analysers(avw_inst *in, int kind) { return in->analysers[kind]; }
gint64 avw_inst_origin(avw_inst *in, int stream_time) {
	gint64 *first = stream_time ? in->first_st : in->first_pts, o = -1;
	for (int k = AVW_VIDEO; k <= AVW_AUDIO; k++) {
		gint64 v = __atomic_load_n(&first[k], __ATOMIC_RELAXED);
		if (v >= 0 && (o < 0 || v < o)) o = v;
	}
	return o;
}
int avw_inst_eos(avw_inst *in, int kind) { return g_atomic_int_get(&in->eos[kind]); }

gint64 avw_inst_position(avw_inst *in) {
	gint64 p = -1;
	if (!gst_element_query_position(in->pipeline, GST_FORMAT_TIME, &p)) return -1;
	return p;
}

gint64 avw_inst_duration(avw_inst *in) {
	gint64 d = -1;
	if (!gst_element_query_duration(in->pipeline, GST_FORMAT_TIME, &d)) return -1;
	return d;
}

static void find_decoder(GstElement *e, gpointer data) {
	char **out = data;
	if (*out != NULL) return;
	GstElementFactory *f = gst_element_get_factory(e);
	if (f == NULL) return;
	const char *k = gst_element_factory_get_metadata(f, GST_ELEMENT_METADATA_KLASS);
	if (k != NULL && strstr(k, "Decoder") != NULL && strstr(k, "Video") != NULL)
		*out = g_strdup(gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(f)));
}

char *avw_inst_video_decoder(avw_inst *in) {
	char *out = NULL;
	visit(in->pipeline, find_decoder, &out);
	return out;
}

GstMessage *avw_inst_pop(avw_inst *in, gint64 timeout_ns) {
	return gst_bus_timed_pop_filtered(in->bus, (GstClockTime)timeout_ns,
		GST_MESSAGE_ERROR | GST_MESSAGE_WARNING | GST_MESSAGE_EOS | GST_MESSAGE_ELEMENT |
		GST_MESSAGE_STATE_CHANGED | GST_MESSAGE_STREAM_COLLECTION);
}

/* ---- probes ---- */

struct avw_probe {
	gint refs;
	GMutex lock;
	GString *streams;
	int no_more;
};

void avw_probe_unref(avw_probe *p) {
	if (!g_atomic_int_dec_and_test(&p->refs)) return;
	g_mutex_clear(&p->lock);
	g_string_free(p->streams, TRUE);
	g_free(p);
}

static void probe_unref_closure(gpointer data, GClosure *c) { avw_probe_unref(data); }

static void probe_pad_added(GstElement *e, GstPad *pad, gpointer data) {
	avw_probe *p = data;
	GstCaps *caps = gst_pad_get_current_caps(pad);
	if (caps == NULL) caps = gst_pad_query_caps(pad, NULL);
	gchar *cs = caps ? gst_caps_to_string(caps) : g_strdup("");
	const char *kind = "other";
	if (g_str_has_prefix(cs, "video/") || g_str_has_prefix(cs, "image/")) kind = "video";
	else if (g_str_has_prefix(cs, "audio/")) kind = "audio";
	g_mutex_lock(&p->lock);
	g_string_append_printf(p->streams, "%s|%s\n", kind, cs);
	g_mutex_unlock(&p->lock);
	g_free(cs);
	if (caps) gst_caps_unref(caps);
}

static void probe_no_more_pads(GstElement *e, gpointer data) {
	avw_probe *p = data;
	g_mutex_lock(&p->lock);
	p->no_more = 1;
	g_mutex_unlock(&p->lock);
}

// avw_probe_attach records the pads the element called name exposes. The
// probe lives until the caller and the element have both let go of it.
avw_probe *avw_probe_attach(GstElement *pipeline, const char *name) {
	GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline), name);
	if (e == NULL) return NULL;
	avw_probe *p = g_new0(avw_probe, 1);
	g_mutex_init(&p->lock);
	p->streams = g_string_new(NULL);
	p->refs = 3;
	g_signal_connect_data(e, "pad-added", G_CALLBACK(probe_pad_added), p, probe_unref_closure, 0);
	g_signal_connect_data(e, "no-more-pads", G_CALLBACK(probe_no_more_pads), p, probe_unref_closure, 0);
	gst_object_unref(e);
	return p;
}

char *avw_probe_streams(avw_probe *p, int *no_more) {
	g_mutex_lock(&p->lock);
	char *s = g_strdup(p->streams->str);
	*no_more = p->no_more;
	g_mutex_unlock(&p->lock);
	return s;
}

/* ---- messages ---- */

void avw_msg_read(GstMessage *m, avw_msg *out) {
	memset(out, 0, sizeof(*out));
	out->type = GST_MESSAGE_TYPE(m);
	GstObject *src = GST_MESSAGE_SRC(m);
	if (src != NULL) {
		out->src = g_strdup(GST_OBJECT_NAME(src));
		out->from_top = GST_IS_PIPELINE(src) && GST_OBJECT_PARENT(src) == NULL;
		GString *o = g_string_new(NULL);
		GstObject *p = gst_object_ref(src);
		while (p != NULL) {
			if (GST_IS_ELEMENT(p) && GST_OBJECT_PARENT(p) != NULL) {
				GstElementFactory *f = gst_element_get_factory(GST_ELEMENT(p));
				if (f != NULL)
					g_string_append_printf(o, "%s|%s\n", gst_plugin_feature_get_name(GST_PLUGIN_FEATURE(f)),
						gst_element_factory_get_metadata(f, GST_ELEMENT_METADATA_KLASS));
			}
			GstObject *parent = gst_object_get_parent(p);
			gst_object_unref(p);
			p = parent;
		}
		out->origin = g_string_free(o, FALSE);
	}
	switch (GST_MESSAGE_TYPE(m)) {
	case GST_MESSAGE_ERROR:
	case GST_MESSAGE_WARNING: {
		GError *e = NULL;
		gchar *dbg = NULL;
		if (GST_MESSAGE_TYPE(m) == GST_MESSAGE_ERROR)
			gst_message_parse_error(m, &e, &dbg);
		else
			gst_message_parse_warning(m, &e, &dbg);
		out->text = g_strdup(e ? e->message : "");
		out->debug = dbg;
		if (e) g_error_free(e);
		break;
	}
	case GST_MESSAGE_STATE_CHANGED: {
		GstState o, n;
		gst_message_parse_state_changed(m, &o, &n, NULL);
		out->old_state = o;
		out->new_state = n;
		break;
	}
	case GST_MESSAGE_STREAM_COLLECTION: {
		GstStreamCollection *c = NULL;
		gst_message_parse_stream_collection(m, &c);
		GString *s = g_string_new(NULL);
		if (c != NULL) {
			guint n = gst_stream_collection_get_size(c);
			for (guint i = 0; i < n; i++) {
				GstStream *st = gst_stream_collection_get_stream(c, i);
				GstStreamType t = gst_stream_get_stream_type(st);
				GstCaps *caps = gst_stream_get_caps(st);
				gchar *cs = caps ? gst_caps_to_string(caps) : g_strdup("");
				const char *kind = (t & GST_STREAM_TYPE_VIDEO) ? "video" : (t & GST_STREAM_TYPE_AUDIO) ? "audio" : "other";
				g_string_append_printf(s, "%s|%s\n", kind, cs);
				g_free(cs);
				if (caps) gst_caps_unref(caps);
			}
			gst_object_unref(c);
		}
		out->streams = g_string_free(s, FALSE);
		break;
	}
	default:
		break;
	}
}

void avw_msg_clear(avw_msg *m) {
	g_free(m->src);
	g_free(m->origin);
	g_free(m->text);
	g_free(m->debug);
	g_free(m->streams);
	memset(m, 0, sizeof(*m));
}

void avw_msg_unref(GstMessage *m) { gst_message_unref(m); }

// Command rtspserver serves one GStreamer launch line over RTSP. Tests start
// it as a separate process so they can kill it like a camera that goes away.
//
//	rtspserver -port 8554 -mount /live -launch '( videotestsrc ! x264enc ! rtph264pay name=pay0 pt=96 )'
//
// It prints "ready" on stdout once the server listens.
package main

/*
#cgo pkg-config: gstreamer-rtsp-server-1.0 gstreamer-1.0
#include <stdlib.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

static GMainLoop *avw_loop;

static int avw_serve(const char *port, const char *mount, const char *launch) {
	gst_init(NULL, NULL);
	avw_loop = g_main_loop_new(NULL, FALSE);
	GstRTSPServer *server = gst_rtsp_server_new();
	gst_rtsp_server_set_address(server, "127.0.0.1");
	gst_rtsp_server_set_service(server, port);
	GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server);
	GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new();
	gst_rtsp_media_factory_set_launch(factory, launch);
	// One pipeline for every client: the test's probe and the real run
	// connect one after another, like viewers of a camera.
	gst_rtsp_media_factory_set_shared(factory, TRUE);
	gst_rtsp_mount_points_add_factory(mounts, mount, factory);
	g_object_unref(mounts);
	if (gst_rtsp_server_attach(server, NULL) == 0) return 1;
	return 0;
}

static void avw_run(void) { g_main_loop_run(avw_loop); }
*/
import "C"

import (
	"flag"
	"fmt"
	"os"
	"unsafe"
)

func main() {
	port := flag.String("port", "8554", "TCP port on 127.0.0.1")
	mount := flag.String("mount", "/live", "mount point")
	launch := flag.String("launch", "( videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=25/1 ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 ! rtph264pay name=pay0 pt=96 )", "media launch line; payloaders named pay0, pay1, …")
	flag.Parse()
	cp, cm, cl := C.CString(*port), C.CString(*mount), C.CString(*launch)
	defer C.free(unsafe.Pointer(cp))
	defer C.free(unsafe.Pointer(cm))
	defer C.free(unsafe.Pointer(cl))
	if C.avw_serve(cp, cm, cl) != 0 {
		fmt.Fprintf(os.Stderr, "rtspserver: cannot listen on 127.0.0.1:%s\n", *port)
		os.Exit(1)
	}
	fmt.Println("ready")
	C.avw_run()
}

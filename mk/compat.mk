# GStreamer 1.20 compatibility (internal/gstcompat/gstcompat.h). go-gst
# v1.4.0 calls gst_debug_message_get_id, new in GStreamer 1.22: the header,
# force-included into every cgo compile, routes that call through a weak
# reference, so go-gst compiles against 1.20 headers and one binary (the
# .deb's too) runs on 1.20 and 1.22. Every build and test that make runs
# gets it; a plain `go build` needs it only against 1.20:
#   CGO_CFLAGS="-O2 -g -include $PWD/internal/gstcompat/gstcompat.h" go build ./cmd/avwatch
# Go's default CGO_CFLAGS (-O2 -g) are kept, a caller's own are extended
# (and not twice when make runs make).
# Go's build cache keys on the flags, not on the content of a header they
# name: its checksum in a -D makes an edited header rebuild what used it.
GSTCOMPAT_H := $(CURDIR)/internal/gstcompat/gstcompat.h
ifeq ($(findstring $(GSTCOMPAT_H),$(CGO_CFLAGS)),)
export CGO_CFLAGS := $(or $(CGO_CFLAGS),-O2 -g) -include $(GSTCOMPAT_H) \
	-DAVWATCH_GSTCOMPAT_SUM=$(firstword $(shell cksum < $(GSTCOMPAT_H)))
endif

.PHONY: check-gst120 print-gstcompat-cflags
check-gst120: deps testvideos ## Build against GStreamer 1.20 (Ubuntu 22.04 packages, downloaded) and smoke-test with it
	scripts/check-gst120.sh

print-gstcompat-cflags:
	@echo '$(CGO_CFLAGS)'

# The detectors' Go code is what arm64 boxes (Jetson, Raspberry Pi,
# Rockchip) run: the AVX2 kernels are amd64 only, and arm64's compiler
# fuses multiply-adds. This runs the pure-Go detector tests built for
# arm64 under qemu-user (installed if missing).
ARM64_PKGS := videodetect audiodetect loudness avsync defect
.PHONY: check-arm64
check-arm64: ## Run the pure-Go detector tests built for arm64 under qemu-user
	@command -v qemu-aarch64 >/dev/null || { apt-get update -qq && apt-get install -y -qq qemu-user; }
	@set -e; for p in $(ARM64_PKGS); do \
	  GOARCH=arm64 CGO_ENABLED=0 $(GO) test -c -o $(CURDIR)/build/$$p.arm64.test ./elements/$$p; \
	  (cd elements/$$p && qemu-aarch64 $(CURDIR)/build/$$p.arm64.test -test.short >/dev/null) || { echo "check-arm64: elements/$$p FAILED (rerun: cd elements/$$p && qemu-aarch64 ../../build/$$p.arm64.test -test.v)"; exit 1; }; \
	  echo "check-arm64: elements/$$p ok"; \
	done

# Independent evaluation corpus: clips and truth made with ffmpeg alone
# (testvideos/ffcorpus/README.md). Not part of `make test`: about 4 minutes
# to build on 2 cores, then cached until make.sh or ffmpeg changes.
FFCORPUS      ?= $(CURDIR)/testvideos/ffout
FFCORPUS_JOBS ?= 2

.PHONY: ffcorpus accuracy-ffmpeg clean-ffcorpus

ffcorpus: ## Build the ffmpeg-made evaluation corpus and its truth.json (cached in testvideos/ffout)
	@scripts/deps.sh ffmpeg fonts-dejavu-core
	JOBS=$(FFCORPUS_JOBS) testvideos/ffcorpus/make.sh $(FFCORPUS)

accuracy-ffmpeg: build ffcorpus ## Precision, recall and timing error per defect type on the ffmpeg-made corpus
	$(GO) run ./testvideos/accuracy -dir $(FFCORPUS)

clean-ffcorpus:
	rm -rf $(FFCORPUS) $(FFCORPUS).lock $(FFCORPUS).tmp-*

clean: clean-ffcorpus

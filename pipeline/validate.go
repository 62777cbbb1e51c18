package pipeline

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/avwatch/avwatch/pipeline/event"
	"github.com/avwatch/avwatch/pipeline/launch"
)

// Validate checks a stream spec when a config is loaded, without starting
// anything: the hwaccel name; the source (scheme, and for files that the
// file exists); an explicit hwaccel profile's decoders exist on this box; a
// user pipeline parses, every element in it exists here, and it contains a
// videoqc or audioqc; the properties name elements and properties that exist
// with valid values. Errors name the element and the fix; the caller
// prefixes the config line and stream name.
func Validate(spec event.Spec) error {
	if err := Init(); err != nil {
		return err
	}
	prof, err := launch.ParseProfile(spec.HWAccel)
	if err != nil {
		return err
	}
	if prof != launch.Auto && prof != launch.Software {
		if _, ok := launch.ProfileFamily(Registry{}, launch.Families, prof, launch.Unknown); !ok {
			return errors.New(launch.InstallHint(launch.Families, prof))
		}
	}
	tpl := launch.IsTemplate(spec.Pipeline)
	switch {
	case spec.Source == "" && spec.Pipeline == "":
		return errors.New("no source and no pipeline: give one of them")
	case spec.Source != "" && spec.Pipeline != "" && !tpl:
		return errors.New("both a source and a pipeline: give one (a pipeline may build on the source with {source} and {decode})")
	case spec.Source == "" && tpl:
		return errors.New("the pipeline uses placeholders like {source} but there is no source: add one")
	}
	var desc string
	placeholder := map[string]bool{} // analysers not registered yet
	if spec.Source != "" {
		src, err := launch.ParseSource(spec.Source)
		if err != nil {
			return err
		}
		if src.Kind == launch.File {
			if err := checkFile(src.Path); err != nil {
				return err
			}
		}
		// Not probed: assume audio and video so every placeholder expands.
		vqc, aqc := analysers()
		placeholder["videoqc"] = strings.HasPrefix(vqc, "identity")
		placeholder["audioqc"] = strings.HasPrefix(aqc, "identity")
		if tpl {
			vqc, aqc = "videoqc", "audioqc"
		}
		p, err := launch.Build(Registry{}, launch.Input{Source: src, Profile: prof, Media: launch.Media{Video: true, Audio: true},
			Sync: spec.Sync, VideoQC: vqc, AudioQC: aqc})
		if err != nil {
			return err
		}
		desc = p.Launch
		if tpl {
			if desc, err = launch.Expand(spec.Pipeline, p); err != nil {
				return err
			}
		}
	} else {
		desc = spec.Pipeline
	}
	pl, err := parse(desc)
	if err != nil {
		return errors.New(describeParseError(err))
	}
	defer unrefPipeline(pl)
	if spec.Pipeline != "" {
		if err := requireAnalyser(inventory(pl)); err != nil {
			return err
		}
	}
	props := map[string]string{}
	for k, v := range spec.Properties {
		if el, _, ok := strings.Cut(k, "."); ok && placeholder[el] {
			continue // the element is not registered yet; nothing to check against
		}
		props[k] = v
	}
	return errors.Join(setProps(pl, props, true)...)
}

// checkUserPipeline is the part of Validate that Start repeats for a user
// pipeline without placeholders.
func checkUserPipeline(desc string) error {
	pl, err := parse(desc)
	if err != nil {
		return errors.New(describeParseError(err))
	}
	defer unrefPipeline(pl)
	return requireAnalyser(inventory(pl))
}

func requireAnalyser(els []element) error {
	for _, e := range els {
		if e.factory == "videoqc" || e.factory == "audioqc" {
			return nil
		}
	}
	return errors.New("pipeline has no videoqc or audioqc element: add `! videoqc !` after the video decoder or `! audioqc !` after the audio decoder (see `avwatch pipeline SOURCE`)")
}

// describeParseError turns a launch-string error into what to do.
func describeParseError(err error) string {
	var pe *parseError
	if !errors.As(err, &pe) {
		return err.Error()
	}
	switch pe.code {
	case parseErrNoSuchElement:
		var parts []string
		for _, m := range pe.missing {
			switch m {
			case "videoqc", "audioqc":
				parts = append(parts, fmt.Sprintf("element %q is not registered in this build of avwatch", m))
			default:
				parts = append(parts, fmt.Sprintf("no element %q on this box: check the spelling (gst-inspect-1.0 %s) or install the GStreamer plugin that provides it", m, m))
			}
		}
		if len(parts) == 0 {
			return "pipeline: " + pe.msg
		}
		return "pipeline: " + strings.Join(parts, "; ")
	case parseErrNoSuchProp:
		msg, f := userElement(pe.msg, Registry{}.Has)
		return "pipeline: " + msg + " (gst-inspect-1.0 " + f + " lists its properties)"
	case parseErrCouldNotSetProp:
		msg, f := userElement(pe.msg, Registry{}.Has)
		return "pipeline: " + msg + " (gst-inspect-1.0 " + f + " lists its properties, their types and ranges)"
	case parseErrLink:
		return "pipeline: " + pe.msg + ": the formats do not fit; put a converter between them (videoconvert, audioconvert) or a decoder (decodebin3)"
	case parseErrSyntax:
		return "pipeline does not parse: " + pe.msg + " (gst-launch-1.0 syntax: element prop=value ! element ...)"
	}
	return "pipeline: " + pe.msg
}

// inElement is how gst_parse names the element in a property error.
var inElement = regexp.MustCompile(`in element "([^"]*)"`)

// userElement makes a property error name the element the way the user
// wrote it, and returns the factory to inspect (ELEMENT when unknown).
// GStreamer 1.22 makes an element with its properties and so names the
// factory ("audioqc"); 1.20 sets them on the element made and names the
// instance: a name= given before the property, or else GStreamer's
// automatic name — the type's name and a counter ("audioqc30",
// "decodebin3-2") — which the user never wrote. An automatic name is turned
// back into its factory when that factory exists; any other name is kept.
func userElement(msg string, isFactory func(string) bool) (string, string) {
	m := inElement.FindStringSubmatchIndex(msg)
	if m == nil {
		return msg, "ELEMENT"
	}
	name := msg[m[2]:m[3]]
	if isFactory(name) {
		return msg, name
	}
	if base := strings.TrimSuffix(strings.TrimRight(name, "0123456789"), "-"); base != name && base != "" && isFactory(base) {
		return msg[:m[2]] + base + msg[m[3]:], base
	}
	return msg, "ELEMENT"
}

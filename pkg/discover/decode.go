package discover

import (
	"fmt"

	istioscheme "istio.io/client-go/pkg/clientset/versioned/scheme"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	k8sscheme "k8s.io/client-go/kubernetes/scheme"
)

// Decoded is one object read from a source, typed when the Kubernetes or
// Istio scheme knows its kind.
type Decoded struct {
	GVK       schema.GroupVersionKind
	Namespace string
	Name      string
	// Object is the typed object, or nil when the kind is not in the schemes.
	Object runtime.Object
	// Raw is the object's JSON.
	Raw []byte
	// Source is where the object came from ("file.yaml#3").
	Source string
}

// decoder decodes JSON objects with the union of the Kubernetes and Istio
// schemes (the universal deserializer, as the API server's clients do).
type decoder struct {
	codecs serializer.CodecFactory
}

func newDecoder() (*decoder, error) {
	s := runtime.NewScheme()
	if err := k8sscheme.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("building the Kubernetes scheme: %w", err)
	}
	if err := istioscheme.AddToScheme(s); err != nil {
		return nil, fmt.Errorf("building the Istio scheme: %w", err)
	}
	return &decoder{codecs: serializer.NewCodecFactory(s)}, nil
}

// decode returns the typed object for raw, nil with no error when the kind is
// unknown to the schemes, or an error when a known kind does not decode.
func (d *decoder) decode(raw []byte, gvk schema.GroupVersionKind) (runtime.Object, error) {
	obj, _, err := d.codecs.UniversalDeserializer().Decode(raw, &gvk, nil)
	if err != nil {
		if runtime.IsNotRegisteredError(err) {
			return nil, nil
		}
		return nil, err
	}
	return obj, nil
}

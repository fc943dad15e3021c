package imagebuild

import "github.com/google/go-containerregistry/pkg/name"

func nameTag(tag string) (name.Tag, error) { return name.NewTag(tag) }

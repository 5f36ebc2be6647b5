package dev.lathe.study;

import dev.lathe.model.OnnxModel;
import dev.lathe.model.gate.ModelGate;

import java.nio.file.Path;

/**
 * The original model a study was made with, as everything that rebuilds its candidates (export, distillation,
 * profiles, the graph's overlays) needs it: through the model gate, and refused when the file changed since the
 * study measured it, since a candidate rebuilt from another original would not be the one measured.
 */
public record StudyModel(Path path, OnnxModel model) {
    public static StudyModel of(StudyStorage store) {
        StudyOrigin origin = store.origin().filter(o -> o.modelPath() != null)
                .orElseThrow(() -> new StudyException(store.file(), "the study records no model file", null));
        Path path = Path.of(origin.modelPath());
        OnnxModel model = ModelGate.admit(path);
        if (!model.sha256().equals(origin.modelSha256()))
            throw new StudyException(store.file(), path + " has changed since the study measured it; its candidates cannot be rebuilt faithfully", null);
        return new StudyModel(path, model);
    }
}

package dev.lathe.ui.model;

import dev.lathe.analysis.ModelInspector;
import dev.lathe.analysis.ModelSummary;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.gate.ModelGate;
import dev.lathe.ui.common.Background;
import javafx.beans.binding.Bindings;
import javafx.beans.binding.BooleanBinding;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;

import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * The model on the workbench: which file, its summary at the chosen input shape, and whether it is being
 * loaded. Loading and inspecting run in the background; a newer request supersedes an older one.
 */
public final class ModelViewModel {
    private final Background background;
    private final ObjectProperty<Path> path = new SimpleObjectProperty<>();
    private final StringProperty name = new SimpleStringProperty("");
    private final ObjectProperty<ModelSummary> summary = new SimpleObjectProperty<>();
    private final BooleanProperty loading = new SimpleBooleanProperty();
    private final BooleanProperty inspecting = new SimpleBooleanProperty();
    private final BooleanBinding hasSequenceAxis;
    private InputShapes shapes;
    private OnnxModel loaded;
    private long generation;

    /** A model loaded and summarised together. */
    public record Loaded(OnnxModel model, ModelSummary summary) {}

    public ModelViewModel(Background background) {
        this.background = background;
        hasSequenceAxis = Bindings.createBooleanBinding(() -> summary.get() != null && hasSequenceAxis(summary.get()), summary);
    }

    public ReadOnlyObjectProperty<Path> pathProperty() { return path; }

    public Path path() { return path.get(); }

    public ReadOnlyStringProperty nameProperty() { return name; }

    public String name() { return name.get(); }

    public ReadOnlyObjectProperty<ModelSummary> summaryProperty() { return summary; }

    public ModelSummary summary() { return summary.get(); }

    /** The input shape the current summary's MACs were counted at. */
    public InputShapes shapes() { return shapes; }

    /** The model as loaded (null before the first), for views that draw it; it changes before {@link #summaryProperty()} does. */
    public OnnxModel loadedModel() { return loaded; }

    /** True while a model file is being read (not while an already loaded model is re-measured). */
    public ReadOnlyBooleanProperty loadingProperty() { return loading; }

    /** True while the MACs are being recomputed for a new input shape. */
    public ReadOnlyBooleanProperty inspectingProperty() { return inspecting; }

    /** Whether any input has a dynamic dimension after the batch, so the sequence length matters. */
    public BooleanBinding hasSequenceAxisProperty() { return hasSequenceAxis; }

    /** Loads and inspects {@code file}; on success the model is shown under {@code displayName} and {@code then} runs. */
    public void load(Path file, String displayName, InputShapes shapes, Consumer<ModelSummary> then) {
        long gen = ++generation;
        loading.set(true);
        background.submit("Opening " + file.getFileName(), () -> {
            OnnxModel m = ModelGate.admit(file); // a broken file ends in the error notice, one line naming it
            return new Loaded(m, ModelInspector.inspect(m, shapes));
        }, r -> {
            if (gen != generation) return;
            loading.set(false);
            loaded = r.model();
            this.shapes = shapes;
            path.set(file);
            name.set(displayName);
            summary.set(r.summary());
            if (then != null) then.accept(r.summary());
        }, "Could not open " + file.getFileName(), e -> {
            if (gen == generation) loading.set(false);
        });
    }

    /** Recomputes the summary (MACs) of the loaded model at another input shape. */
    public void reinspect(InputShapes shapes) {
        OnnxModel m = loaded;
        if (m == null || loading.get()) return;
        long gen = ++generation;
        inspecting.set(true);
        background.submit("Counting MACs at the new input shape", () -> ModelInspector.inspect(m, shapes), s -> {
            if (gen != generation) return;
            inspecting.set(false);
            this.shapes = shapes;
            summary.set(s);
        }, "Could not inspect " + name.get() + " at the new shape", e -> {
            if (gen == generation) inspecting.set(false);
        });
    }

    /** A friendly name: the file name without extension, or the folder's name for the generic "model.onnx". */
    public static String displayName(Path file) {
        String stem = file.getFileName().toString();
        int dot = stem.lastIndexOf('.');
        if (dot > 0) stem = stem.substring(0, dot);
        Path parent = file.toAbsolutePath().getParent();
        if (stem.toLowerCase(Locale.ROOT).equals("model") && parent != null && parent.getFileName() != null)
            return parent.getFileName().toString();
        return stem;
    }

    static boolean hasSequenceAxis(ModelSummary s) {
        for (ModelSummary.Port p : s.inputs())
            for (int i = 1; i < p.dims().size(); i++)
                if (!p.dims().get(i).chars().allMatch(Character::isDigit)) return true;
        return false;
    }
}

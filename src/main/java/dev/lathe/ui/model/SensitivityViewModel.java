package dev.lathe.ui.model;

import dev.lathe.eval.data.EvaluationData;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.model.gate.ModelGate;
import dev.lathe.search.SensitivityAnalysis;
import dev.lathe.transform.genome.Precision;
import dev.lathe.transform.quantization.QuantizationOptions;
import dev.lathe.ui.common.Background;
import javafx.application.Platform;
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
import java.util.List;

/**
 * Per-layer precision sensitivity of the open model, measured in the background by
 * {@link SensitivityAnalysis#forModel} on the data the search form names.
 */
public final class SensitivityViewModel {
    /** What the precision choice offers: each layer's default search precision, or one precision for all. */
    public static final String DEFAULT_CHOICE = "search default";

    private final Background background;
    private final ObjectProperty<SensitivityAnalysis.Report> report = new SimpleObjectProperty<>();
    private final BooleanProperty running = new SimpleBooleanProperty();
    private final StringProperty progress = new SimpleStringProperty("");
    private final StringProperty precision = new SimpleStringProperty(DEFAULT_CHOICE);
    private long generation;

    public SensitivityViewModel(Background background) {
        this.background = background;
    }

    public static List<String> choices() {
        List<String> out = new java.util.ArrayList<>(List.of(DEFAULT_CHOICE));
        out.addAll(Precision.ids());
        return out;
    }

    public ReadOnlyObjectProperty<SensitivityAnalysis.Report> reportProperty() { return report; }

    public ReadOnlyBooleanProperty runningProperty() { return running; }

    public ReadOnlyStringProperty progressProperty() { return progress; }

    public StringProperty precisionProperty() { return precision; }

    /** Forgets the figures of a model no longer open. */
    public void clear() {
        generation++;
        report.set(null);
        running.set(false);
        progress.set("");
    }

    /** Measures every layer of {@code model} on {@code samples} evaluation samples of the data (blank paths: found beside the model, else random). */
    public void measure(Path model, String dataPath, String tokenizerPath, InputShapes shapes, int samples) {
        if (model == null || running.get()) return;
        long gen = ++generation;
        Precision fixed = precision.get() == null || precision.get().equals(DEFAULT_CHOICE) ? null : Precision.parse(precision.get());
        running.set(true);
        progress.set("Preparing…");
        background.submit("Measuring each layer's sensitivity", () -> {
            OnnxModel original = ModelGate.admit(model);
            EvaluationData.Split split = EvaluationData.resolve(original, path(dataPath), path(tokenizerPath), shapes);
            return SensitivityAnalysis.forModel(original, split, fixed, QuantizationOptions.DEFAULT, samples, 1,
                    (done, total, r) -> Platform.runLater(() -> { if (gen == generation) progress.set(done + " of " + total + " layers"); }));
        }, r -> {
            if (gen != generation) return;
            running.set(false);
            progress.set(r.layers().size() + " layers, " + r.metric() + " on " + r.samples() + " samples");
            report.set(r);
        }, "Could not measure sensitivity", e -> {
            if (gen != generation) return;
            running.set(false);
            progress.set("");
        });
    }

    private static Path path(String text) {
        return text == null || text.isBlank() ? null : Path.of(text.trim());
    }
}

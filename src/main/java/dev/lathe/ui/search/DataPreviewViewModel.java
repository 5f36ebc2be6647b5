package dev.lathe.ui.search;

import dev.lathe.eval.data.DataPreview;
import dev.lathe.model.InputShapes;
import dev.lathe.model.OnnxModel;
import dev.lathe.ui.common.Background;
import dev.lathe.ui.model.ModelViewModel;
import javafx.animation.PauseTransition;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.util.Duration;

import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * The preview of the search's data: described again (off the FX thread, by {@link DataPreview}) shortly after
 * the data path, the tokenizer or the model changes. Only the newest request's answer is shown.
 */
final class DataPreviewViewModel {
    private final Background background;
    private final SearchViewModel search;
    private final ModelViewModel model;
    private final ObjectProperty<DataPreview> preview = new SimpleObjectProperty<>();
    private final BooleanProperty describing = new SimpleBooleanProperty();
    private final PauseTransition settle = new PauseTransition(Duration.millis(250));
    private long requested;

    DataPreviewViewModel(Background background, SearchViewModel search, ModelViewModel model) {
        this.background = background;
        this.search = search;
        this.model = model;
        settle.setOnFinished(e -> refresh());
        // Typing a path asks once the typing pauses; choosing a file or loading a model asks at once too (the pause just restarts).
        search.dataPathProperty().addListener(o -> settle.playFromStart());
        search.tokenizerPathProperty().addListener(o -> settle.playFromStart());
        model.summaryProperty().addListener(o -> settle.playFromStart());
    }

    ReadOnlyObjectProperty<DataPreview> previewProperty() { return preview; }

    ReadOnlyBooleanProperty describingProperty() { return describing; }

    /** Describes the current data now. */
    void refresh() {
        settle.stop();
        Path data = path(search.dataPathProperty().get());
        Path tokenizer = path(search.tokenizerPathProperty().get());
        OnnxModel m = model.summaryProperty().get() == null ? null : model.loadedModel();
        InputShapes shapes = search.shapes();
        long request = ++requested;
        describing.set(true);
        Supplier<DataPreview> work = () -> DataPreview.describe(data, tokenizer, m, shapes, null);
        background.execute(() -> {
            DataPreview p;
            try {
                p = work.get();
            } catch (RuntimeException e) {
                p = new DataPreview(data, false, DataPreview.Kind.UNKNOWN, "Cannot describe the data", new DataPreview.Nothing(), null, Background.problem(e));
            }
            DataPreview shown = p;
            javafx.application.Platform.runLater(() -> {
                if (request != requested) return; // a newer request is under way
                describing.set(false);
                preview.set(shown);
            });
        });
    }

    private static Path path(String s) {
        if (s == null || s.isBlank()) return null;
        try {
            return Path.of(s.strip());
        } catch (java.nio.file.InvalidPathException e) {
            return Path.of("invalid path");
        }
    }
}

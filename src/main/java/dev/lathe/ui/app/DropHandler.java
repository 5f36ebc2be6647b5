package dev.lathe.ui.app;

import dev.lathe.ui.Workbench;
import dev.lathe.ui.common.Ui;
import javafx.geometry.Pos;
import javafx.scene.Node;
import javafx.scene.Scene;
import javafx.scene.control.Label;
import javafx.scene.input.DragEvent;
import javafx.scene.input.TransferMode;
import javafx.scene.layout.StackPane;

import java.io.File;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;

/** Drag and drop of .onnx models and .lathe (or .sqlite, .db) studies anywhere on the window, with the overlay that names the file. */
final class DropHandler {
    private final StackPane overlay = new StackPane();
    private final Label label = Ui.label("", "drop-label");
    private final Consumer<Path> open;

    DropHandler(Consumer<Path> open) {
        this.open = open;
        overlay.getChildren().add(label);
        overlay.getStyleClass().add("drop-overlay");
        overlay.setAlignment(Pos.CENTER);
        overlay.setMouseTransparent(true);
        overlay.setVisible(false);
    }

    /** The overlay shown while a file is dragged over the window; the caller stacks it over the content. */
    Node overlay() { return overlay; }

    void install(Scene scene) {
        scene.addEventFilter(DragEvent.DRAG_OVER, e -> {
            Optional<Path> f = droppable(e);
            if (f.isPresent()) {
                e.acceptTransferModes(TransferMode.COPY);
                String name = f.get().getFileName().toString();
                label.setText(Workbench.isStudyFile(f.get()) ? "Drop to open study " + name : "Drop to open " + name);
                overlay.setVisible(true);
                e.consume();
            }
        });
        scene.setOnDragExited(e -> overlay.setVisible(false)); // the drag left the window
        scene.addEventFilter(DragEvent.DRAG_DROPPED, e -> {
            Optional<Path> f = droppable(e);
            overlay.setVisible(false);
            if (f.isPresent()) {
                e.setDropCompleted(true);
                e.consume();
                open.accept(f.get());
            }
        });
    }

    private static Optional<Path> droppable(DragEvent e) {
        if (!e.getDragboard().hasFiles()) return Optional.empty();
        return e.getDragboard().getFiles().stream().map(File::toPath).filter(p -> {
            String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
            return n.endsWith(".onnx") || Workbench.isStudyFile(p);
        }).findFirst();
    }
}

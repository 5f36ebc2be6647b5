package dev.lathe.ui.pool;

import javafx.animation.KeyFrame;
import javafx.animation.Timeline;
import javafx.beans.binding.Bindings;
import javafx.beans.value.ObservableBooleanValue;
import javafx.scene.control.Label;
import javafx.scene.control.Tab;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.util.Duration;

import java.util.function.Function;

/**
 * The "Devices (N)" tab of a pool search: a table of the pool's devices, refreshed every 250 ms from the runner's
 * snapshot while the search runs (one last time when it ends), so a device that joins, measures or is lost shows
 * within a quarter of a second without the device threads ever touching the FX thread.
 */
public final class PoolDevicesView {
    static final Duration REFRESH = Duration.millis(250);

    private final Tab tab;

    public PoolDevicesView(PoolDevicesViewModel devices, ObservableBooleanValue running) {
        TableView<PoolDevicesViewModel.Row> table = new TableView<>(devices.rows());
        table.setId("devicesTable");
        table.setPlaceholder(new Label("A search on a pool lists its devices here (choose a pool under Devices in the form)."));
        table.getColumns().add(column("Device", 140, PoolDevicesViewModel.Row::name));
        table.getColumns().add(column("State", 100, PoolDevicesViewModel.Row::state));
        table.getColumns().add(column("Candidate", 95, PoolDevicesViewModel.Row::current));
        TableColumn<PoolDevicesViewModel.Row, Integer> measured = new TableColumn<>("Measured");
        measured.setCellValueFactory(c -> new ReadOnlyObjectWrapper<>(c.getValue().measured()));
        measured.setPrefWidth(95);
        table.getColumns().add(measured);
        table.getColumns().add(column("Last reference", 120, PoolDevicesViewModel.Row::lastReference));
        table.getColumns().add(column("Why not used", 560, PoolDevicesViewModel.Row::reason));
        table.setColumnResizePolicy(TableView.UNCONSTRAINED_RESIZE_POLICY);

        Timeline poll = new Timeline(new KeyFrame(REFRESH, e -> devices.refresh()));
        poll.setCycleCount(Timeline.INDEFINITE);
        running.addListener((o, was, is) -> {
            if (is) {
                devices.clear();
                poll.play();
            } else {
                poll.stop();
                devices.refresh();
            }
        });
        if (running.get()) poll.play();

        tab = new Tab("Devices", table);
        tab.setId("devicesTab");
        tab.textProperty().bind(Bindings.size(devices.rows()).asString("Devices (%d)"));
    }

    public Tab tab() { return tab; }

    private static TableColumn<PoolDevicesViewModel.Row, String> column(String title, double width, Function<PoolDevicesViewModel.Row, String> value) {
        TableColumn<PoolDevicesViewModel.Row, String> c = new TableColumn<>(title);
        c.setCellValueFactory(r -> new ReadOnlyObjectWrapper<>(value.apply(r.getValue())));
        c.setPrefWidth(width);
        return c;
    }
}

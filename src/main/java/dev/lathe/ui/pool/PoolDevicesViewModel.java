package dev.lathe.ui.pool;

import dev.lathe.pool.schedule.DeviceState;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;

import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The devices of a running pool search as the window shows them: one row per device, copied from the runner's
 * snapshot ({@code SearchRunner.poolDevices()}) on the FX thread. The last snapshot stays after the search ends,
 * so the table still says what each device did; a new search clears it.
 */
public final class PoolDevicesViewModel {
    /**
     * A device as the table shows it: its name, state (idle, measuring, reference, quarantined when lost,
     * refused), the candidate in flight, the candidates it measured, its last reference and why it is not used.
     */
    public record Row(String name, String state, String current, int measured, String lastReference, String reason) {
        static Row of(DeviceState d) {
            return new Row(d.name(), d.state(), d.current() == null ? "" : "#" + d.current(), d.measured(),
                    d.lastReferenceMs() == null ? "" : String.format(Locale.ROOT, "%.4g ms", d.lastReferenceMs()), d.reason() == null ? "" : d.reason());
        }
    }

    private final Supplier<List<DeviceState>> snapshot;
    private final ObservableList<Row> rows = FXCollections.observableArrayList();

    /** {@code snapshot}: the devices now, from any thread (empty when no pool search is connected). */
    public PoolDevicesViewModel(Supplier<List<DeviceState>> snapshot) {
        this.snapshot = snapshot;
    }

    public ObservableList<Row> rows() { return rows; }

    /** Copies the runner's snapshot; an empty one (not connected yet, or the search ended) keeps the rows shown. */
    public void refresh() {
        List<Row> now = snapshot.get().stream().map(Row::of).toList();
        if (!now.isEmpty() && !now.equals(rows)) rows.setAll(now);
    }

    /** A new search starts: the previous one's devices go. */
    public void clear() {
        rows.clear();
    }
}

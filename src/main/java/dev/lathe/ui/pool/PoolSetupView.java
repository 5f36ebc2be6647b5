package dev.lathe.ui.pool;

import dev.lathe.ui.common.Ui;
import javafx.scene.Node;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.RadioButton;
import javafx.scene.control.Spinner;
import javafx.scene.control.SpinnerValueFactory;
import javafx.scene.control.TextField;
import javafx.scene.control.ToggleGroup;
import javafx.scene.control.Tooltip;
import javafx.scene.layout.ColumnConstraints;
import javafx.scene.layout.GridPane;
import javafx.scene.layout.HBox;
import javafx.scene.layout.Priority;
import javafx.scene.layout.VBox;
import javafx.stage.FileChooser;

import java.io.File;

/**
 * The form's Devices section: measure on this machine or on a pool, and for a pool its name, the agents to connect
 * to and the token file (its path only; the token is read when the search starts). What is wrong shows below.
 */
public final class PoolSetupView {
    private final VBox root = new VBox(8);

    public PoolSetupView(PoolSetupViewModel pool) {
        ToggleGroup where = new ToggleGroup();
        RadioButton local = new RadioButton("This machine");
        local.setId("measureLocal");
        local.setToggleGroup(where);
        RadioButton onPool = new RadioButton("A pool of devices");
        onPool.setId("measureOnPool");
        onPool.setToggleGroup(where);
        onPool.setTooltip(new Tooltip("Measure on the devices of a pool, each running lathe agent (see docs/pool.md)"));
        (pool.isOnPool() ? onPool : local).setSelected(true);
        onPool.selectedProperty().addListener((o, a, v) -> pool.onPoolProperty().set(v));
        pool.onPoolProperty().addListener((o, a, v) -> (v ? onPool : local).setSelected(true));

        GridPane grid = new GridPane();
        grid.setHgap(10);
        grid.setVgap(8);
        ColumnConstraints label = new ColumnConstraints(112);
        ColumnConstraints field = new ColumnConstraints();
        field.setHgrow(Priority.ALWAYS);
        field.setFillWidth(true);
        grid.getColumnConstraints().addAll(label, field);

        TextField name = text("poolNameField", "the agents' --pool", pool.poolNameProperty());
        TextField members = text("poolMembersField", "HOST:PORT,HOST:PORT", pool.membersProperty());
        TextField token = text("poolTokenField", "file holding the pool token", pool.tokenFileProperty());
        Button chooseToken = new Button(null, Ui.icon(Ui.FOLDER));
        chooseToken.setId("choosePoolTokenButton");
        chooseToken.setTooltip(new Tooltip("Choose the token file…"));
        chooseToken.setMinWidth(Button.USE_PREF_SIZE);
        chooseToken.setOnAction(e -> {
            FileChooser c = new FileChooser();
            c.setTitle("Pool token file");
            File f = c.showOpenDialog(chooseToken.getScene().getWindow());
            if (f != null) pool.tokenFileProperty().set(f.toPath().toAbsolutePath().toString());
        });
        token.focusedProperty().addListener((o, was, is) -> pool.recheck());
        HBox tokenRow = new HBox(6, token, chooseToken);
        HBox.setHgrow(token, Priority.ALWAYS);
        Spinner<Integer> heartbeat = new Spinner<>();
        SpinnerValueFactory.IntegerSpinnerValueFactory hb = new SpinnerValueFactory.IntegerSpinnerValueFactory(1, 3600,
                pool.heartbeatSecondsProperty().get() == null ? 60 : pool.heartbeatSecondsProperty().get(), 5);
        heartbeat.setValueFactory(hb);
        hb.valueProperty().bindBidirectional(pool.heartbeatSecondsProperty());
        heartbeat.setEditable(true);
        heartbeat.setId("poolHeartbeatSpinner");
        heartbeat.setMaxWidth(Double.MAX_VALUE);

        row(grid, 0, "Pool", name, "The pool's name: the --pool its agents were started with");
        row(grid, 1, "Members", members, "Agents to connect to; the search follows the pool's membership from there");
        row(grid, 2, "Token file", tokenRow, "The pool token's file, the same the agents read; read when the search starts, never shown");
        row(grid, 3, "Heartbeat (s)", heartbeat, "A device silent this long is lost and its candidate measured elsewhere");
        grid.disableProperty().bind(pool.onPoolProperty().not());

        Label problem = new Label();
        problem.setId("poolProblem");
        problem.getStyleClass().add("warning-box");
        problem.setGraphic(Ui.icon(Ui.WARNING, "warning-icon"));
        problem.setWrapText(true);
        problem.setMaxWidth(Double.MAX_VALUE);
        problem.setMinHeight(Label.USE_PREF_SIZE);
        problem.textProperty().bind(pool.problemProperty());
        problem.visibleProperty().bind(pool.problemProperty().isNotEmpty());
        problem.managedProperty().bind(problem.visibleProperty());

        Label hint = Ui.label("The pool's traffic is not encrypted: on an untrusted network reach the agents through a VPN or an SSH tunnel.", "hint");
        hint.setWrapText(true);
        hint.visibleProperty().bind(pool.onPoolProperty());
        hint.managedProperty().bind(hint.visibleProperty());
        root.getChildren().addAll(new HBox(14, local, onPool), grid, problem, hint);
    }

    public Node node() { return root; }

    private static TextField text(String id, String prompt, javafx.beans.property.StringProperty value) {
        TextField f = new TextField();
        f.setId(id);
        f.setPromptText(prompt);
        f.textProperty().bindBidirectional(value);
        return f;
    }

    private static void row(GridPane g, int row, String label, Node field, String tip) {
        Label l = Ui.label(label, "form-label");
        l.setTooltip(new Tooltip(tip));
        if (field instanceof javafx.scene.control.Control c && c.getTooltip() == null) c.setTooltip(new Tooltip(tip));
        g.addRow(row, l, field);
    }

}

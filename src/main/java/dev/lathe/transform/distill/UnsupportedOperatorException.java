package dev.lathe.transform.distill;

import java.util.Set;

/** A graph holds operators the differentiable executor cannot run; raised before any training, naming them. */
public final class UnsupportedOperatorException extends IllegalArgumentException {
    private final Set<String> operators;

    public UnsupportedOperatorException(Set<String> operators) {
        super("distillation cannot run operator" + (operators.size() > 1 ? "s " : " ") + String.join(", ", operators)
                + " (not supported by Lathe's differentiable executor)");
        this.operators = Set.copyOf(operators);
    }

    public Set<String> operators() { return operators; }
}

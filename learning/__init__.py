"""Learning: the BeepBoop loss, logit model, neighbour retrieval, training and metrics."""

"""Door-to-door surveys (K-1 III.C, K-2 III.D and III.M): questionnaires, canvassing, results."""

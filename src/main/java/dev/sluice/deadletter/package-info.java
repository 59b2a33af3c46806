/** Dead letters: what a message that could not be delivered carries to its dead-letter target. */
package dev.sluice.deadletter;

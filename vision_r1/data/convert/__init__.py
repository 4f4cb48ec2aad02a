"""Converters from the formats the field uses to our RL / SFT / cold-start files (`vision-r1 data convert`)."""

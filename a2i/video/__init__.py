"""Music videos: a whole song to a video whose pictures move with the music (``a2i video``)."""
